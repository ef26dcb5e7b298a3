#include "app/topology_store.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "model/topology_io.h"

namespace tgwark::app {

namespace fs = std::filesystem;

TopologyStore::TopologyStore(fs::path dir, std::string key)
    : path_(dir / ("topology-" + key.substr(0, 24) + ".json")), key_(std::move(key)) {}

fs::path TopologyStore::defaultDirectory(const EnvLookup& env) {
  auto dir = env("TGWARK_CACHE_DIR");
  return dir && !dir->empty() ? fs::path(*dir) : fs::path("/var/cache/tgwark");
}

std::optional<model::Topology> TopologyStore::load(
    std::optional<std::chrono::seconds> maxAge) const {
  std::error_code ec;
  auto mtime = fs::last_write_time(path_, ec);
  if (ec) return std::nullopt;
  auto age = fs::file_time_type::clock::now() - mtime;
  if (maxAge && (age >= *maxAge || age < -std::chrono::seconds(60))) return std::nullopt;
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  auto stored = model::topologyFromJson(text.str(), key_);
  if (!stored) {
    spdlog::debug("ignoring topology cache {}: {}", path_.string(), stored.error().message);
    return std::nullopt;
  }
  spdlog::debug("topology from cache {}", path_.string());
  return std::move(*stored);
}

void TopologyStore::save(const model::Topology& topology) const {
  auto written = writeFileAtomically(path_, model::topologyToJson(topology, key_));
  if (!written) spdlog::debug("cannot write topology cache: {}", written.error().message);
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
