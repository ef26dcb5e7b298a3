// The scope store: what it keeps, and that nothing a file can be (corrupt,
// huge, a directory, a FIFO, an older format, another config's) crashes,
// hangs or silently shrinks the managed set.
#include "app/topology_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "model/topology_io.h"

namespace tgwark::app {
namespace {

namespace fs = std::filesystem;
constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

class TopologyStoreTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("tgwark-scope-" + std::to_string(::getpid()));
  void SetUp() override { fs::remove_all(dir_); }
  void TearDown() override { fs::remove_all(dir_); }

  static model::Topology sample() {
    model::Topology t;
    t.vpcRouteTables["rtb-c0000001"] =
        model::VpcRouteTableInfo{"rtb-c0000001", "us-east-1", "vpc-c0000001", false, true, "x"};
    t.vpcRouteTables["rtb-c0000002"] =
        model::VpcRouteTableInfo{"rtb-c0000002", "us-east-1", "vpc-c0000001", false, false, "y"};
    t.origins["rtb-c0000001"] = model::TableOrigin{model::Provenance::kVipRoute, 1'700'000'000};
    return t;
  }
  void write(const std::string& text) {
    fs::create_directories(dir_);
    std::ofstream(TopologyStore(dir_, kKey).path()) << text;
  }
};

TEST_F(TopologyStoreTest, KeepsTheManagedSetWithProvenanceInTheStateDirectory) {
  TopologyStore store(dir_, kKey);
  EXPECT_FALSE(store.read()) << "nothing stored yet";
  store.save(sample());
  EXPECT_EQ(store.path().parent_path(), dir_);
  EXPECT_EQ(fs::status(store.path()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto back = store.read();
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->complete);
  EXPECT_TRUE(back->fresh);
  EXPECT_EQ(back->topology.origins.at("rtb-c0000001").provenance, model::Provenance::kVipRoute);
  EXPECT_EQ(back->topology.origins.at("rtb-c0000001").firstSeen, 1'700'000'000);
  EXPECT_TRUE(store.load(std::nullopt));
}

// The cache role expires; the durable part does not.
TEST_F(TopologyStoreTest, AnOldStoreIsNotFreshButStillRead) {
  TopologyStore store(dir_, kKey);
  store.save(sample());
  fs::last_write_time(store.path(), fs::file_time_type::clock::now() - std::chrono::hours(24 * 30));
  auto back = store.read();
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->fresh);
  EXPECT_TRUE(back->topology.origins.contains("rtb-c0000001"));
  EXPECT_FALSE(store.load(kTopologyCacheTtl));
  EXPECT_TRUE(store.load(std::nullopt));
}

TEST_F(TopologyStoreTest, AnotherConfigsStoreIsIgnored) {
  write(model::topologyToJson(sample(), "another-digest"));
  EXPECT_FALSE(TopologyStore(dir_, kKey).read());
}

TEST_F(TopologyStoreTest, CorruptOrTruncatedIsIgnored) {
  const auto json = model::topologyToJson(sample(), kKey);
  for (const std::string& text :
       {std::string("not json"), json.substr(0, json.size() / 2), std::string("[]"),
        std::string(""), std::string("{\"format\":3}")}) {
    write(text);
    EXPECT_FALSE(TopologyStore(dir_, kKey).read()) << text;
  }
}

// An older format cannot be trusted for the topology, but its managed tables
// are carried over: the scope does not shrink because tgwark was upgraded.
TEST_F(TopologyStoreTest, AnOlderFormatCarriesOverItsManagedTables) {
  auto json = model::topologyToJson(sample(), kKey);
  auto at = json.find("\"format\":3");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 10, "\"format\":2");
  write(json);
  auto back = TopologyStore(dir_, kKey).read();
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->complete);
  EXPECT_FALSE(back->fresh);
  ASSERT_TRUE(back->topology.origins.contains("rtb-c0000001"));
  EXPECT_EQ(back->topology.origins.at("rtb-c0000001").provenance, model::Provenance::kCarried);
  EXPECT_FALSE(back->topology.origins.contains("rtb-c0000002")) << "it was not managed";
  EXPECT_FALSE(TopologyStore(dir_, kKey).load(std::nullopt)) << "not a topology to act on";
}

// Damaged in a part other than the table lists: the managed tables still carry over.
TEST_F(TopologyStoreTest, ADamagedStoreKeepsTheManagedTablesItStillHolds) {
  auto json = model::topologyToJson(sample(), kKey);
  auto at = json.find("\"attachments\":[]");
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, 16, "\"attachments\":7");
  write(json);
  auto back = TopologyStore(dir_, kKey).read();
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->complete);
  EXPECT_TRUE(back->topology.origins.contains("rtb-c0000001"));
}

TEST_F(TopologyStoreTest, AnOlderFormatThatCannotBeReadIsIgnored) {
  write("{\"format\":1,\"config_digest\":\"" + std::string(kKey) + "\"}");
  EXPECT_FALSE(TopologyStore(dir_, kKey).read());
}

TEST_F(TopologyStoreTest, NotARegularFileIsIgnoredWithoutBlocking) {
  TopologyStore store(dir_, kKey);
  fs::create_directories(store.path());  // a directory where the file should be
  EXPECT_FALSE(store.read());
  fs::remove(store.path());
  ASSERT_EQ(::mkfifo(store.path().c_str(), 0600), 0);  // a FIFO with no writer
  EXPECT_FALSE(store.read());
  fs::remove(store.path());
  fs::create_symlink("/dev/zero", store.path());
  EXPECT_FALSE(store.read());
}

TEST_F(TopologyStoreTest, OversizedIsIgnored) {
  TopologyStore store(dir_, kKey);
  store.save(sample());
  fs::resize_file(store.path(), kMaxScopeFileBytes + 1);
  EXPECT_FALSE(store.read());
}

TEST_F(TopologyStoreTest, TheDefaultDirectoryIsTheStateDirectory) {
  auto env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "TGWARK_STATE_DIR") return "/srv/tgwark";
    return std::nullopt;
  };
  EXPECT_EQ(TopologyStore::defaultDirectory(env), fs::path("/srv/tgwark"));
  auto none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(TopologyStore::defaultDirectory(none), fs::path("/var/lib/tgwark"));
}

}  // namespace
}  // namespace tgwark::app
