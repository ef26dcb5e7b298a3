#include "app/topology_store.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "app/identity.h"
#include "common/atomic_file.h"
#include "common/bounded_file.h"
#include "common/log_text.h"
#include "model/topology_io.h"

namespace tgwark::app {

namespace fs = std::filesystem;

TopologyStore::TopologyStore(fs::path dir, std::string key)
    : path_(dir / ("scope-" + key.substr(0, 24) + ".json")), key_(std::move(key)) {}

fs::path TopologyStore::defaultDirectory(const EnvLookup& env) {
  return fs::path(stateDirectory(env));
}

std::optional<StoredScope> TopologyStore::read(std::chrono::seconds freshFor) const {
  std::error_code ec;
  auto status = fs::symlink_status(path_, ec);
  if (ec || status.type() == fs::file_type::not_found) return std::nullopt;
  auto text = readBoundedRegularFile(path_.string(), kMaxScopeFileBytes);
  if (!text) {
    spdlog::warn("scope store {} cannot be used ({}): rediscovering", escapeForLog(path_.string()),
                 text.error().message);
    return std::nullopt;
  }
  StoredScope out;
  auto mtime = fs::last_write_time(path_, ec);
  if (!ec) {
    auto age = fs::file_time_type::clock::now() - mtime;
    out.fresh = age < freshFor && age >= -std::chrono::seconds(60);
  }
  auto another = [](const Error& e) {
    return e.message.find("another config") != std::string::npos;
  };
  // The common case first, in one pass over the text (it is on restore's
  // critical path); the format is looked at only when that fails.
  auto stored = model::topologyFromJson(*text, key_);
  if (stored) {
    out.topology = std::move(*stored);
    return out;
  }
  const int format = model::topologyFormatOf(*text);
  std::string why;
  if (format == model::kTopologyFormatVersion) {
    if (another(stored.error())) {
      spdlog::debug("ignoring scope store {}: {}", path_.string(), stored.error().message);
      return std::nullopt;
    }
    why = fmt::format("is corrupt ({})", stored.error().message);
  } else if (format == 0) {
    why = "is corrupt (not a versioned JSON document)";
  } else {
    why =
        fmt::format("has format {} (this tgwark writes {})", format, model::kTopologyFormatVersion);
  }
  // Whatever of the managed set can still be read is carried over, so the
  // scope never shrinks silently; the rest is rediscovered.
  auto carried = model::managedTablesFromJson(*text, key_);
  if (!carried && another(carried.error())) {
    spdlog::debug("ignoring scope store {}: {}", path_.string(), carried.error().message);
    return std::nullopt;
  }
  if (!carried) {
    spdlog::warn(
        "scope store {} {}: rediscovering; tables it managed that no longer hold the VIP route "
        "(or the tag) are not known",
        escapeForLog(path_.string()), escapeForLog(why));
    return std::nullopt;
  }
  spdlog::warn("scope store {} {}: rediscovering, keeping its {} managed table(s)",
               escapeForLog(path_.string()), escapeForLog(why), carried->origins.size());
  out.topology = std::move(*carried);
  out.complete = false;
  out.fresh = false;
  return out;
}

std::optional<model::Topology> TopologyStore::load(
    std::optional<std::chrono::seconds> maxAge) const {
  // A century: "any age" without overflowing the file clock's nanoseconds.
  auto stored = read(maxAge.value_or(std::chrono::seconds(3'000'000'000)));
  if (!stored || !stored->complete || (maxAge && !stored->fresh)) return std::nullopt;
  spdlog::debug("topology from the scope store {}", path_.string());
  return std::move(stored->topology);
}

void TopologyStore::save(const model::Topology& topology) const {
  auto written = writeFileAtomically(path_, model::topologyToJson(topology, key_),
                                     fs::perms::owner_read | fs::perms::owner_write);
  if (!written) {
    spdlog::warn("cannot write the scope store: {}", escapeForLog(written.error().message));
  }
}

void TopologyStore::markConfirmed() const {
  std::error_code ec;
  fs::last_write_time(path_, fs::file_time_type::clock::now(), ec);
  if (ec) spdlog::debug("cannot mark the scope store confirmed: {}", ec.message());
}

bool TopologyStore::exists() const {
  std::error_code ec;
  return fs::is_regular_file(path_, ec);
}

void TopologyStore::remove() const {
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace tgwark::app
