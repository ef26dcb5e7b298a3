#include "app/topology_store.h"

#include <spdlog/spdlog.h>

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
  const int format = model::topologyFormatOf(*text);
  if (format == model::kTopologyFormatVersion) {
    auto stored = model::topologyFromJson(*text, key_);
    if (stored) {
      out.topology = std::move(*stored);
      return out;
    }
    if (stored.error().message.find("another config") != std::string::npos) {
      spdlog::debug("ignoring scope store {}: {}", path_.string(), stored.error().message);
      return std::nullopt;
    }
    spdlog::warn("scope store {} is corrupt ({}): rediscovering", escapeForLog(path_.string()),
                 escapeForLog(stored.error().message));
  }
  // An older (or newer, or unreadable) format: carry over what can be read of
  // the managed set, so the scope never shrinks silently.
  auto carried = model::managedTablesFromJson(*text, key_);
  if (carried && format != model::kTopologyFormatVersion) {
    spdlog::warn(
        "scope store {} has format {} (this tgwark writes {}): rediscovering, keeping its {} "
        "managed table(s)",
        escapeForLog(path_.string()), format, model::kTopologyFormatVersion,
        carried->origins.size());
  } else if (carried && format == model::kTopologyFormatVersion) {
    spdlog::warn("scope store {}: keeping the {} managed table(s) that could be read",
                 escapeForLog(path_.string()), carried->origins.size());
  } else if (!carried && carried.error().message.find("another config") != std::string::npos) {
    spdlog::debug("ignoring scope store {}: {}", path_.string(), carried.error().message);
    return std::nullopt;
  } else {
    if (format != model::kTopologyFormatVersion) {
      spdlog::warn(
          "scope store {} cannot be read (format {}, this tgwark writes {}): rediscovering; "
          "tables it managed that no longer hold the VIP route are not known",
          escapeForLog(path_.string()), format, model::kTopologyFormatVersion);
    }
    return std::nullopt;
  }
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

bool TopologyStore::exists() const {
  std::error_code ec;
  return fs::is_regular_file(path_, ec);
}

void TopologyStore::remove() const {
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace tgwark::app
