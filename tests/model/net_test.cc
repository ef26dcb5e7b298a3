#include "model/net.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark::model {
namespace {

using ::testing::HasSubstr;

Prefix must(std::string_view text, bool allowHostBits = false) {
  auto p = parsePrefix(text, allowHostBits);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().message);
  return p.value_or(Prefix{});
}

TEST(PrefixTest, ParsesIpv4HostWithoutLength) {
  Prefix p = must("192.168.10.10");
  EXPECT_FALSE(p.ipv6);
  EXPECT_EQ(p.length, 32);
  EXPECT_TRUE(p.isHost());
  EXPECT_EQ(p.toString(), "192.168.10.10/32");
  EXPECT_EQ(p.addressString(), "192.168.10.10");
}

TEST(PrefixTest, ParsesIpv4Network) {
  Prefix p = must("10.1.0.0/16");
  EXPECT_EQ(p.length, 16);
  EXPECT_FALSE(p.isHost());
  EXPECT_EQ(p.toString(), "10.1.0.0/16");
  EXPECT_EQ(must("0.0.0.0/0").toString(), "0.0.0.0/0");
}

TEST(PrefixTest, HostBitsAreAnErrorUnlessAllowed) {
  auto bad = parsePrefix("10.1.2.3/16");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(bad.error().message, HasSubstr("host bits"));
  EXPECT_THAT(bad.error().message, HasSubstr("10.1.0.0/16"));
  Prefix allowed = must("10.1.2.3/16", true);
  EXPECT_EQ(allowed.toString(), "10.1.0.0/16");
  EXPECT_EQ(allowed, must("10.1.0.0/16"));
}

TEST(PrefixTest, RejectsMalformedIpv4) {
  for (const char* text :
       {"", "10.0.0", "10.0.0.256", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/3a",
        "a.b.c.d", "010.0.0.1", "10.0.0.1/032", " 10.0.0.1", "10.0.0.1 ", "10.0.0.0.1"}) {
    EXPECT_FALSE(parsePrefix(text)) << text;
  }
}

TEST(PrefixTest, Ipv6CanonicalForm) {
  EXPECT_EQ(must("2001:DB8:0:0:0:0:0:A/128").toString(), "2001:db8::a/128");
  EXPECT_EQ(must("2001:0db8::000a").addressString(), "2001:db8::a");
  EXPECT_EQ(must("::").toString(), "::/128");
  EXPECT_EQ(must("::/0").toString(), "::/0");
  EXPECT_EQ(must("::1").toString(), "::1/128");
  EXPECT_EQ(must("1::").toString(), "1::/128");
  // A single zero group is not compressed (RFC 5952 4.2.2).
  EXPECT_EQ(must("2001:db8:0:1:1:1:1:1").addressString(), "2001:db8:0:1:1:1:1:1");
  // The longest run wins; on a tie the first.
  EXPECT_EQ(must("2001:0:0:1:0:0:0:1").addressString(), "2001:0:0:1::1");
  EXPECT_EQ(must("2001:db8:0:0:1:0:0:1").addressString(), "2001:db8::1:0:0:1");
  EXPECT_EQ(must("fd00:ab::/32").toString(), "fd00:ab::/32");
}

TEST(PrefixTest, Ipv4MappedIpv6StaysIpv6) {
  Prefix p = must("::ffff:192.0.2.1");
  EXPECT_TRUE(p.ipv6);
  EXPECT_EQ(p.length, 128);
  EXPECT_EQ(p.addressString(), "::ffff:192.0.2.1");
  EXPECT_EQ(must("::FFFF:c000:0201"), p);
  // Not the same route as the IPv4 address.
  EXPECT_FALSE(p == must("192.0.2.1"));
  EXPECT_FALSE(must("0.0.0.0/0").contains(p));
}

TEST(PrefixTest, DifferentSpellingsAreTheSameRoute) {
  EXPECT_EQ(must("2001:DB8::1/128"), must("2001:db8:0::1/128"));
}

TEST(PrefixTest, RejectsMalformedIpv6) {
  for (const char* text : {":::", "2001:db8::1::2", "2001:db8::g", "1:2:3:4:5:6:7:8:9",
                           "2001:db8::/129", "2001:db8::1/64", "12345::1"}) {
    EXPECT_FALSE(parsePrefix(text)) << text;
  }
}

TEST(PrefixTest, Contains) {
  Prefix net = must("10.1.0.0/16");
  EXPECT_TRUE(net.contains(must("10.1.200.3")));
  EXPECT_TRUE(net.contains(must("10.1.128.0/17")));
  EXPECT_TRUE(net.contains(net));
  EXPECT_FALSE(net.contains(must("10.2.0.1")));
  EXPECT_FALSE(net.contains(must("10.0.0.0/8")));  // wider
  EXPECT_TRUE(must("0.0.0.0/0").contains(must("203.0.113.9")));
  EXPECT_TRUE(must("10.1.2.0/23").contains(must("10.1.3.255")));
  EXPECT_FALSE(must("10.1.2.0/23").contains(must("10.1.4.0")));
  Prefix v6 = must("2001:db8::/32");
  EXPECT_TRUE(v6.contains(must("2001:db8:ffff::1")));
  EXPECT_FALSE(v6.contains(must("2001:db9::1")));
  EXPECT_FALSE(v6.contains(must("10.1.0.1")));
  EXPECT_TRUE(must("::/0").contains(must("::1")));
}

TEST(VipTest, AcceptsHostForms) {
  auto a = parseVipHostPrefix("192.168.10.10");
  auto b = parseVipHostPrefix("192.168.10.10/32");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->toString(), "192.168.10.10/32");
  auto v6 = parseVipHostPrefix("2001:db8::a");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->toString(), "2001:db8::a/128");
  EXPECT_TRUE(parseVipHostPrefix("2001:db8::a/128"));
}

TEST(VipTest, RejectsNetworks) {
  auto net = parseVipHostPrefix("10.0.0.0/24");
  ASSERT_FALSE(net);
  EXPECT_EQ(net.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(net.error().message, HasSubstr("not a host address"));
  EXPECT_FALSE(parseVipHostPrefix("10.0.0.5/24"));
  EXPECT_FALSE(parseVipHostPrefix("2001:db8::/64"));
  EXPECT_FALSE(parseVipHostPrefix("a.b.c.d/32"));
  EXPECT_FALSE(parseVipHostPrefix("vip"));
}

}  // namespace
}  // namespace tgwark::model
