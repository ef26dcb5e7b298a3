#include "sim/sim_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <thread>

namespace tgwark::sim {

struct SimServer::Impl {
  SimOptions options;
  std::unique_ptr<SimState> state;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  int listenFd = -1;  // the listening socket, captured before bind
  std::mutex stopMu;
  std::condition_variable stopCv;
  bool stopping = false;

  void serve(const httplib::Request& req, httplib::Response& res);
  // Waits up to duration, returning early when the server is stopping.
  void interruptibleWait(Millis duration) {
    std::unique_lock lock(stopMu);
    stopCv.wait_for(lock, duration, [&] { return stopping; });
  }
};

void SimServer::Impl::serve(const httplib::Request& req, httplib::Response& res) {
  SimRequest request;
  request.method = req.method;
  request.path = req.path;
  // httplib has already split and decoded the query; EC2 signs the raw one,
  // which is target minus path.
  if (const auto q = req.target.find('?'); q != std::string::npos)
    request.query = req.target.substr(q + 1);
  for (const auto& [name, value] : req.headers) {
    // httplib adds these for its own bookkeeping; they were not on the wire.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT")
      continue;
    request.headers.emplace_back(name, value);
  }
  request.body = req.body;
  SimResponse response = state->handle(request);
  // Latency and stalls are served outside every lock so that calls to
  // different regions overlap as they would against AWS.
  if (response.delay.count() > 0) {
    if (std::dynamic_pointer_cast<SystemClock>(options.clock) || !options.clock) {
      interruptibleWait(response.delay);
    } else {
      state->clock().sleepFor(response.delay);
    }
  }
  if (response.disposition == SimResponse::Disposition::kStall) interruptibleWait(response.stall);
  if (response.callSeq != 0) state->noteAnswered(response.callSeq);
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (response.disposition == SimResponse::Disposition::kReset) {
    // Status 200 keeps httplib's error handler from replacing the provider.
    res.status = 200;
    // Promise a body and then fail to provide it: the client sees the
    // connection close mid-response, as with a reset.
    res.set_content_provider(response.body.size() + 1, response.contentType,
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.set_content(response.body, response.contentType);
}

SimServer::SimServer(SimTopology topology, SimOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->state = std::make_unique<SimState>(std::move(topology), std::move(options));
}

SimServer::~SimServer() {
  stop();
}

Result<std::unique_ptr<SimServer>> SimServer::create(SimTopology topology, SimOptions options) {
  return std::unique_ptr<SimServer>(new SimServer(std::move(topology), std::move(options)));
}

Result<std::unique_ptr<SimServer>> SimServer::create(const std::filesystem::path& topologyFile,
                                                     SimOptions options) {
  TGWARK_ASSIGN_OR_RETURN(auto topology, loadTopology(topologyFile));
  return create(std::move(topology), std::move(options));
}

Result<void> SimServer::start() {
  auto& impl = *impl_;
  if (impl.thread.joinable())
    return makeError(ErrorCategory::kInternal, "the emulator is already running");
  const int threads = std::max(2, impl.options.threads);
  impl.server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  // Bodies above the limit are answered by SimState with an AWS-shaped error;
  // httplib's own cap sits well above so that path is reachable.
  impl.server.set_payload_max_length(impl.options.maxBodyBytes * 4);
  impl.server.set_keep_alive_max_count(1000);
  // Headers and body go out in separate writes; without this, Nagle plus the
  // client's delayed ACK add ~40 ms to every response.
  impl.server.set_tcp_nodelay(true);
  // Replaces httplib's default socket options (SO_REUSEADDR), and remembers
  // the listening socket so its backlog can be raised below.
  impl.server.set_socket_options([&impl](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl.listenFd = sock;
  });
  impl.server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    // A fault that answers "not EC2" must keep its empty body.
    if (res.body.empty() && !res.has_header("X-Sim-Fault")) {
      res.set_content(
          fmt::format(
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code>"
              "<Message>The request could not be processed (HTTP {})</Message></Error></Errors>"
              "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>",
              res.status == 413 ? "RequestEntityTooLarge" : "InvalidRequest", res.status),
          "text/xml;charset=UTF-8");
    }
  });
  impl.server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(
            "<?xml version=\"1.0\" "
            "encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InternalError</Code>"
            "<Message>An internal error has occurred</Message></Error></Errors>"
            "<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>",
            "text/xml;charset=UTF-8");
      });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    impl_->serve(req, res);
  };
  // HTTP/1.1 gives a request with neither Content-Length nor Transfer-Encoding
  // an empty body, and AWS and IMDS accept it (`curl -X PUT .../api/token`).
  // httplib would instead read until the connection closes and answer 400, so
  // such requests are served here, before it tries to read a body.
  impl.server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    impl_->serve(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  for (const char* pattern : {".*"}) {
    impl.server.Get(pattern, handler);
    impl.server.Post(pattern, handler);
    impl.server.Put(pattern, handler);
    impl.server.Delete(pattern, handler);
    impl.server.Patch(pattern, handler);
  }
  if (impl.options.port == 0) {
    impl.port = impl.server.bind_to_any_port(impl.options.host);
  } else {
    impl.port =
        impl.server.bind_to_port(impl.options.host, impl.options.port) ? impl.options.port : -1;
  }
  if (impl.port <= 0) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("cannot listen on {}:{}", impl.options.host, impl.options.port));
  }
  // httplib listens with a backlog of 5: a burst of connections (tgwark opens
  // one per in-flight call) would see SYNs dropped and retried after 1 s.
  // AWS endpoints have no such queue, so neither should the emulator.
  if (impl.listenFd >= 0) ::listen(impl.listenFd, SOMAXCONN);
  {
    std::lock_guard lock(impl.stopMu);
    impl.stopping = false;
  }
  impl.thread = std::thread([&impl] { impl.server.listen_after_bind(); });
  // stop() is only effective once the accept loop runs; wait for it so a quick
  // start/stop pair cannot leave the thread listening forever.
  while (!impl.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {};
}

void SimServer::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->stopMu);
    impl_->stopping = true;
  }
  impl_->stopCv.notify_all();
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int SimServer::port() const {
  return impl_->port;
}

std::string SimServer::url() const {
  return fmt::format("http://{}:{}", impl_->options.host, impl_->port);
}

std::string SimServer::metadataEndpoint(const std::string& nodeName) const {
  return url() + "/_node/" + nodeName;
}

SimState& SimServer::state() {
  return *impl_->state;
}

}  // namespace tgwark::sim
