// Response bodies follow the example responses of the EC2 API reference
// (namespace, requestId, item lists), trimmed to the elements that matter.
#include "aws/ec2_xml.h"

#include "aws/http_client.h"

#include <gtest/gtest.h>

namespace tgwark::aws {
namespace {

constexpr const char* kDescribeRouteTables = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeRouteTablesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
   <requestId>6f570b0b-9c18-4b07-bdec-73740dcf861a</requestId>
   <routeTableSet>
      <item>
         <routeTableId>rtb-1122334455667788a</routeTableId>
         <vpcId>vpc-1122334455667788a</vpcId>
         <ownerId>123456789012</ownerId>
         <routeSet>
            <item>
               <destinationCidrBlock>10.0.0.0/22</destinationCidrBlock>
               <gatewayId>local</gatewayId>
               <state>active</state>
               <origin>CreateRouteTable</origin>
            </item>
            <item>
               <destinationCidrBlock>192.168.100.10/32</destinationCidrBlock>
               <networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId>
               <instanceId>i-0123456789abcdef0</instanceId>
               <instanceOwnerId>123456789012</instanceOwnerId>
               <state>active</state>
               <origin>CreateRoute</origin>
            </item>
            <item>
               <destinationIpv6CidrBlock>2001:db8:1234:1a00::/56</destinationIpv6CidrBlock>
               <transitGatewayId>tgw-0262a0e521EXAMPLE</transitGatewayId>
               <state>blackhole</state>
               <origin>CreateRoute</origin>
            </item>
         </routeSet>
         <associationSet>
            <item>
               <routeTableAssociationId>rtbassoc-1122334455667788a</routeTableAssociationId>
               <routeTableId>rtb-1122334455667788a</routeTableId>
               <main>true</main>
               <associationState>
                  <state>associated</state>
               </associationState>
            </item>
            <item>
               <routeTableAssociationId>rtbassoc-1122334455667788b</routeTableAssociationId>
               <routeTableId>rtb-1122334455667788a</routeTableId>
               <subnetId>subnet-1122334455667788a</subnetId>
               <main>false</main>
            </item>
         </associationSet>
         <propagatingVgwSet/>
         <tagSet>
            <item>
               <key>Name</key>
               <value>ha-routes</value>
            </item>
         </tagSet>
      </item>
   </routeTableSet>
   <nextToken>eyJ2IjoiMiJ9</nextToken>
</DescribeRouteTablesResponse>)";

TEST(Ec2XmlTest, DescribeRouteTables) {
  auto page = parseDescribeRouteTables(kDescribeRouteTables);
  ASSERT_TRUE(page) << page.error().describe();
  EXPECT_EQ(page->requestId, "6f570b0b-9c18-4b07-bdec-73740dcf861a");
  EXPECT_EQ(page->nextToken, "eyJ2IjoiMiJ9");
  ASSERT_EQ(page->items.size(), 1u);
  const RouteTable& t = page->items[0];
  EXPECT_EQ(t.routeTableId, "rtb-1122334455667788a");
  EXPECT_EQ(t.vpcId, "vpc-1122334455667788a");
  EXPECT_EQ(t.ownerId, "123456789012");
  ASSERT_EQ(t.routes.size(), 3u);
  EXPECT_EQ(t.routes[0].gatewayId, "local");
  EXPECT_EQ(t.routes[0].origin, "CreateRouteTable");
  EXPECT_EQ(t.routes[1].destinationCidrBlock, "192.168.100.10/32");
  EXPECT_EQ(t.routes[1].networkInterfaceId, "eni-0123456789abcdef0");
  EXPECT_EQ(t.routes[1].instanceId, "i-0123456789abcdef0");
  EXPECT_EQ(t.routes[2].destinationIpv6CidrBlock, "2001:db8:1234:1a00::/56");
  EXPECT_EQ(t.routes[2].transitGatewayId, "tgw-0262a0e521EXAMPLE");
  EXPECT_EQ(t.routes[2].state, "blackhole");
  ASSERT_EQ(t.associations.size(), 2u);
  EXPECT_TRUE(t.associations[0].main);
  EXPECT_FALSE(t.associations[1].main);
  EXPECT_EQ(t.associations[1].subnetId, "subnet-1122334455667788a");
  EXPECT_EQ(t.tags, (std::vector<Tag>{{"Name", "ha-routes"}}));
}

TEST(Ec2XmlTest, EmptySetAndNoToken) {
  auto page = parseDescribeRouteTables(
      "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
      "<requestId>r</requestId><routeTableSet/></DescribeRouteTablesResponse>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->nextToken.empty());
}

// An answer that cannot be read is no evidence about the resources: it is
// transient (retried, undeterminable), marked as unparseable, never a crash.
TEST(Ec2XmlTest, MalformedXmlIsTransientNotACrash) {
  for (const char* body :
       {"", "not xml at all", "<DescribeRouteTablesResponse><routeTableSet><item>",
        "<DescribeRouteTablesResponse><routeTableSet></DescribeRouteTablesResponse>",
        "\x01\x02\xff\xfe"}) {
    auto page = parseDescribeRouteTables(body);
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().category, ErrorCategory::kRetryable);
    EXPECT_EQ(page.error().awsCode, kUnparseableAnswerCode);
    EXPECT_NE(page.error().message.find("DescribeRouteTables"), std::string::npos);
    EXPECT_NE(page.error().message.find("unparseable"), std::string::npos);
  }
}

TEST(Ec2XmlTest, WrongDocumentAndMissingRequiredElements) {
  auto wrong = parseDescribeRouteTables("<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("DescribeVpcsResponse"), std::string::npos);

  auto noSet = parseDescribeRouteTables(
      "<DescribeRouteTablesResponse><requestId>r</requestId></DescribeRouteTablesResponse>");
  ASSERT_FALSE(noSet);
  EXPECT_NE(noSet.error().message.find("routeTableSet"), std::string::npos);

  auto noId = parseDescribeRouteTables(
      "<DescribeRouteTablesResponse><routeTableSet><item><vpcId>vpc-1</vpcId></item>"
      "</routeTableSet></DescribeRouteTablesResponse>");
  ASSERT_FALSE(noId);
  EXPECT_EQ(noId.error().category, ErrorCategory::kRetryable);
  EXPECT_NE(noId.error().message.find("routeTableId"), std::string::npos);

  // A route without its state would read as broken: the answer is rejected.
  auto noState = parseDescribeRouteTables(
      "<DescribeRouteTablesResponse><routeTableSet><item><routeTableId>rtb-1</routeTableId>"
      "<routeSet><item><destinationCidrBlock>10.9.9.9/32</destinationCidrBlock>"
      "<networkInterfaceId>eni-1</networkInterfaceId></item></routeSet></item></routeTableSet>"
      "</DescribeRouteTablesResponse>");
  ASSERT_FALSE(noState);
  EXPECT_EQ(noState.error().awsCode, kUnparseableAnswerCode);
  EXPECT_NE(noState.error().message.find("<state>"), std::string::npos);
  auto noTgwState = parseSearchTransitGatewayRoutes(
      "<SearchTransitGatewayRoutesResponse><routeSet><item><destinationCidrBlock>10.9.9.9/32"
      "</destinationCidrBlock><type>static</type></item></routeSet>"
      "</SearchTransitGatewayRoutesResponse>");
  ASSERT_FALSE(noTgwState);
  EXPECT_EQ(noTgwState.error().awsCode, kUnparseableAnswerCode);

  // Same element names in another vocabulary are not EC2's answer.
  auto otherNamespace = parseDescribeRouteTables(
      "<DescribeRouteTablesResponse xmlns=\"http://example.com/not-ec2/\"><routeTableSet/>"
      "</DescribeRouteTablesResponse>");
  ASSERT_FALSE(otherNamespace);
  EXPECT_EQ(otherNamespace.error().awsCode, kUnparseableAnswerCode);
  EXPECT_NE(otherNamespace.error().message.find("namespace"), std::string::npos);
}

TEST(Ec2XmlTest, DescribeNetworkInterfaces) {
  auto page = parseDescribeNetworkInterfaces(
      R"(<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>fc45294c-006b-457b-bab9-012f5b3b0e40</requestId>
     <networkInterfaceSet>
       <item>
         <networkInterfaceId>eni-0f7db5aa3EXAMPLE</networkInterfaceId>
         <subnetId>subnet-0a1b2c3d4EXAMPLE</subnetId>
         <vpcId>vpc-0a1b2c3dEXAMPLE</vpcId>
         <availabilityZone>us-east-1d</availabilityZone>
         <description/>
         <ownerId>123456789012</ownerId>
         <requesterManaged>false</requesterManaged>
         <status>in-use</status>
         <macAddress>02:74:b0:72:79:61</macAddress>
         <privateIpAddress>10.0.0.134</privateIpAddress>
         <privateDnsName>ip-10-0-0-134.ec2.internal</privateDnsName>
         <sourceDestCheck>false</sourceDestCheck>
         <groupSet>
           <item>
             <groupId>sg-0123456789EXAMPLE</groupId>
             <groupName>default</groupName>
           </item>
         </groupSet>
         <attachment>
           <attachmentId>eni-attach-0b2c3d4e5EXAMPLE</attachmentId>
           <instanceId>i-0a1b2c3d4EXAMPLE</instanceId>
           <instanceOwnerId>123456789012</instanceOwnerId>
           <deviceIndex>0</deviceIndex>
           <status>attached</status>
           <deleteOnTermination>true</deleteOnTermination>
         </attachment>
         <tagSet/>
         <privateIpAddressesSet>
           <item>
             <privateIpAddress>10.0.0.134</privateIpAddress>
             <primary>true</primary>
           </item>
         </privateIpAddressesSet>
       </item>
       <item>
         <networkInterfaceId>eni-0000000000000000b</networkInterfaceId>
         <status>available</status>
       </item>
     </networkInterfaceSet>
   </DescribeNetworkInterfacesResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 2u);
  const NetworkInterface& e = page->items[0];
  EXPECT_EQ(e.networkInterfaceId, "eni-0f7db5aa3EXAMPLE");
  EXPECT_EQ(e.vpcId, "vpc-0a1b2c3dEXAMPLE");
  EXPECT_EQ(e.subnetId, "subnet-0a1b2c3d4EXAMPLE");
  EXPECT_EQ(e.availabilityZone, "us-east-1d");
  EXPECT_EQ(e.status, "in-use");
  EXPECT_EQ(e.privateIpAddress, "10.0.0.134");
  EXPECT_EQ(e.macAddress, "02:74:b0:72:79:61");
  EXPECT_EQ(e.attachmentInstanceId, "i-0a1b2c3d4EXAMPLE");
  EXPECT_FALSE(e.sourceDestCheck);
  EXPECT_TRUE(page->items[1].sourceDestCheck);  // absent: EC2's default
  EXPECT_TRUE(page->items[1].attachmentInstanceId.empty());
}

TEST(Ec2XmlTest, DescribeVpcsKeepsOnlyAssociatedCidrs) {
  auto page =
      parseDescribeVpcs(R"(<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
    <vpcSet>
      <item>
        <vpcId>vpc-0a60eb65b4EXAMPLE</vpcId>
        <ownerId>111122223333</ownerId>
        <state>available</state>
        <cidrBlock>10.0.0.0/16</cidrBlock>
        <cidrBlockAssociationSet>
          <item>
            <cidrBlock>10.0.0.0/16</cidrBlock>
            <associationId>vpc-cidr-assoc-0a1</associationId>
            <cidrBlockState><state>associated</state></cidrBlockState>
          </item>
          <item>
            <cidrBlock>10.1.0.0/16</cidrBlock>
            <associationId>vpc-cidr-assoc-0a2</associationId>
            <cidrBlockState><state>disassociated</state></cidrBlockState>
          </item>
        </cidrBlockAssociationSet>
        <ipv6CidrBlockAssociationSet>
          <item>
            <ipv6CidrBlock>2001:db8:1234:1a00::/56</ipv6CidrBlock>
            <associationId>vpc-cidr-assoc-0a3</associationId>
            <ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState>
          </item>
        </ipv6CidrBlockAssociationSet>
        <dhcpOptionsId>dopt-19edf471</dhcpOptionsId>
        <tagSet><item><key>Name</key><value>prod</value></item></tagSet>
        <instanceTenancy>default</instanceTenancy>
        <isDefault>false</isDefault>
      </item>
    </vpcSet>
  </DescribeVpcsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  const Vpc& v = page->items[0];
  EXPECT_EQ(v.vpcId, "vpc-0a60eb65b4EXAMPLE");
  EXPECT_EQ(v.ownerId, "111122223333");
  EXPECT_EQ(v.cidrBlock, "10.0.0.0/16");
  EXPECT_EQ(v.cidrBlocks, (std::vector<std::string>{"10.0.0.0/16"}));
  EXPECT_EQ(v.ipv6CidrBlocks, (std::vector<std::string>{"2001:db8:1234:1a00::/56"}));
  EXPECT_EQ(v.tags, (std::vector<Tag>{{"Name", "prod"}}));
}

TEST(Ec2XmlTest, DescribeTransitGateways) {
  auto page = parseDescribeTransitGateways(
      R"(<DescribeTransitGatewaysResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>151283df-f7dc-4317-89b4-01c9888b1d45</requestId>
    <transitGatewaySet>
        <item>
            <creationTime>2019-07-10T14:02:12.000Z</creationTime>
            <description>TGW</description>
            <options>
                <amazonSideAsn>64516</amazonSideAsn>
                <associationDefaultRouteTableId>tgw-rtb-0ce7a6948fEXAMPLE</associationDefaultRouteTableId>
                <autoAcceptSharedAttachments>enable</autoAcceptSharedAttachments>
                <defaultRouteTableAssociation>enable</defaultRouteTableAssociation>
                <defaultRouteTablePropagation>enable</defaultRouteTablePropagation>
                <dnsSupport>enable</dnsSupport>
                <propagationDefaultRouteTableId>tgw-rtb-0ce7a6948fEXAMPLE</propagationDefaultRouteTableId>
                <vpnEcmpSupport>enable</vpnEcmpSupport>
            </options>
            <ownerId>123456789012</ownerId>
            <state>available</state>
            <tagSet/>
            <transitGatewayArn>arn:aws:ec2:us-east-1:123456789012:transit-gateway/tgw-0262a0e521EXAMPLE</transitGatewayArn>
            <transitGatewayId>tgw-0262a0e521EXAMPLE</transitGatewayId>
        </item>
    </transitGatewaySet>
</DescribeTransitGatewaysResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  const TransitGateway& g = page->items[0];
  EXPECT_EQ(g.transitGatewayId, "tgw-0262a0e521EXAMPLE");
  EXPECT_EQ(g.transitGatewayArn,
            "arn:aws:ec2:us-east-1:123456789012:transit-gateway/tgw-0262a0e521EXAMPLE");
  EXPECT_EQ(g.state, "available");
  EXPECT_EQ(g.ownerId, "123456789012");
  EXPECT_EQ(g.associationDefaultRouteTableId, "tgw-rtb-0ce7a6948fEXAMPLE");
  EXPECT_EQ(g.propagationDefaultRouteTableId, "tgw-rtb-0ce7a6948fEXAMPLE");
}

TEST(Ec2XmlTest, DescribeTransitGatewayAttachments) {
  auto page = parseDescribeTransitGatewayAttachments(
      R"(<DescribeTransitGatewayAttachmentsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>6d8c8b49-ec5e-4a5d-9c4b-a2b7EXAMPLE</requestId>
    <transitGatewayAttachments>
        <item>
            <association>
                <state>associated</state>
                <transitGatewayRouteTableId>tgw-rtb-002573ed1eEXAMPLE</transitGatewayRouteTableId>
            </association>
            <creationTime>2019-07-17T16:04:27.000Z</creationTime>
            <resourceId>vpc-0065acced4EXAMPLE</resourceId>
            <resourceOwnerId>123456789012</resourceOwnerId>
            <resourceType>vpc</resourceType>
            <state>available</state>
            <tagSet/>
            <transitGatewayAttachmentId>tgw-attach-0b5ad8f6a1EXAMPLE</transitGatewayAttachmentId>
            <transitGatewayId>tgw-02f776b1a7EXAMPLE</transitGatewayId>
            <transitGatewayOwnerId>123456789012</transitGatewayOwnerId>
        </item>
        <item>
            <resourceId>tgw-0aaaaaaaaaEXAMPLE</resourceId>
            <resourceType>peering</resourceType>
            <state>available</state>
            <transitGatewayAttachmentId>tgw-attach-0peer000000EXAMPLE</transitGatewayAttachmentId>
            <transitGatewayId>tgw-02f776b1a7EXAMPLE</transitGatewayId>
        </item>
    </transitGatewayAttachments>
</DescribeTransitGatewayAttachmentsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 2u);
  const TransitGatewayAttachment& a = page->items[0];
  EXPECT_EQ(a.transitGatewayAttachmentId, "tgw-attach-0b5ad8f6a1EXAMPLE");
  EXPECT_EQ(a.transitGatewayId, "tgw-02f776b1a7EXAMPLE");
  EXPECT_EQ(a.resourceType, "vpc");
  EXPECT_EQ(a.resourceId, "vpc-0065acced4EXAMPLE");
  EXPECT_EQ(a.resourceOwnerId, "123456789012");
  EXPECT_EQ(a.transitGatewayOwnerId, "123456789012");
  ASSERT_TRUE(a.association.has_value());
  EXPECT_EQ(a.association->transitGatewayRouteTableId, "tgw-rtb-002573ed1eEXAMPLE");
  EXPECT_EQ(a.association->state, "associated");
  EXPECT_FALSE(page->items[1].association.has_value());
  EXPECT_EQ(page->items[1].resourceType, "peering");
}

TEST(Ec2XmlTest, DescribeTransitGatewayVpcAttachments) {
  auto page = parseDescribeTransitGatewayVpcAttachments(
      R"(<DescribeTransitGatewayVpcAttachmentsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>a1b2c3d4-5678-90ab-cdef-EXAMPLE11111</requestId>
    <transitGatewayVpcAttachments>
        <item>
            <creationTime>2019-07-17T16:04:27.000Z</creationTime>
            <options>
                <dnsSupport>enable</dnsSupport>
                <ipv6Support>disable</ipv6Support>
            </options>
            <state>available</state>
            <subnetIds>
                <item>subnet-0187aff814EXAMPLE</item>
                <item>subnet-0e8d8fd1c3EXAMPLE</item>
            </subnetIds>
            <tagSet><item><key>Name</key><value>Example</value></item></tagSet>
            <transitGatewayAttachmentId>tgw-attach-0a08e88308EXAMPLE</transitGatewayAttachmentId>
            <transitGatewayId>tgw-0043d72bb4EXAMPLE</transitGatewayId>
            <vpcId>vpc-0065acced4EXAMPLE</vpcId>
            <vpcOwnerId>111122223333</vpcOwnerId>
        </item>
    </transitGatewayVpcAttachments>
</DescribeTransitGatewayVpcAttachmentsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  const TransitGatewayVpcAttachment& a = page->items[0];
  EXPECT_EQ(a.transitGatewayAttachmentId, "tgw-attach-0a08e88308EXAMPLE");
  EXPECT_EQ(a.transitGatewayId, "tgw-0043d72bb4EXAMPLE");
  EXPECT_EQ(a.vpcId, "vpc-0065acced4EXAMPLE");
  EXPECT_EQ(a.vpcOwnerId, "111122223333");
  EXPECT_EQ(a.state, "available");
  EXPECT_EQ(a.subnetIds,
            (std::vector<std::string>{"subnet-0187aff814EXAMPLE", "subnet-0e8d8fd1c3EXAMPLE"}));
  EXPECT_EQ(a.tags, (std::vector<Tag>{{"Name", "Example"}}));
}

TEST(Ec2XmlTest, DescribeTransitGatewayPeeringAttachments) {
  auto page = parseDescribeTransitGatewayPeeringAttachments(
      R"(<DescribeTransitGatewayPeeringAttachmentsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>b1b2c3d4-5678-90ab-cdef-EXAMPLE22222</requestId>
    <transitGatewayPeeringAttachments>
        <item>
            <accepterTgwInfo>
                <ownerId>123456789012</ownerId>
                <region>us-east-2</region>
                <transitGatewayId>tgw-123abc05e04123abc</transitGatewayId>
            </accepterTgwInfo>
            <creationTime>2019-12-09T11:38:31.000Z</creationTime>
            <requesterTgwInfo>
                <ownerId>123456789012</ownerId>
                <region>us-west-2</region>
                <transitGatewayId>tgw-11223344aabbcc112</transitGatewayId>
            </requesterTgwInfo>
            <state>available</state>
            <status>
                <code>available</code>
                <message>Available</message>
            </status>
            <tagSet/>
            <transitGatewayAttachmentId>tgw-attach-4455667788aabbccd</transitGatewayAttachmentId>
        </item>
    </transitGatewayPeeringAttachments>
</DescribeTransitGatewayPeeringAttachmentsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  const TransitGatewayPeeringAttachment& p = page->items[0];
  EXPECT_EQ(p.transitGatewayAttachmentId, "tgw-attach-4455667788aabbccd");
  EXPECT_EQ(p.accepterTgwInfo.transitGatewayId, "tgw-123abc05e04123abc");
  EXPECT_EQ(p.accepterTgwInfo.region, "us-east-2");
  EXPECT_EQ(p.requesterTgwInfo.transitGatewayId, "tgw-11223344aabbcc112");
  EXPECT_EQ(p.requesterTgwInfo.region, "us-west-2");
  EXPECT_EQ(p.requesterTgwInfo.ownerId, "123456789012");
  EXPECT_EQ(p.state, "available");
  // Cross-region: one id shared by both sides, no accepter id of its own.
  EXPECT_EQ(p.accepterTransitGatewayAttachmentId, "");
}

TEST(Ec2XmlTest, DescribeTransitGatewayPeeringAttachmentsIntraRegion) {
  auto page = parseDescribeTransitGatewayPeeringAttachments(
      R"(<DescribeTransitGatewayPeeringAttachmentsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>b1b2c3d4-5678-90ab-cdef-EXAMPLE22223</requestId>
    <transitGatewayPeeringAttachments>
        <item>
            <transitGatewayAttachmentId>tgw-attach-0000000000000000a</transitGatewayAttachmentId>
            <accepterTransitGatewayAttachmentId>tgw-attach-0000000000000000b</accepterTransitGatewayAttachmentId>
            <requesterTgwInfo>
                <transitGatewayId>tgw-00000000000000001</transitGatewayId>
                <ownerId>123456789012</ownerId>
                <region>us-east-1</region>
            </requesterTgwInfo>
            <accepterTgwInfo>
                <transitGatewayId>tgw-00000000000000002</transitGatewayId>
                <ownerId>123456789012</ownerId>
                <region>us-east-1</region>
            </accepterTgwInfo>
            <state>available</state>
        </item>
    </transitGatewayPeeringAttachments>
</DescribeTransitGatewayPeeringAttachmentsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].transitGatewayAttachmentId, "tgw-attach-0000000000000000a");
  EXPECT_EQ(page->items[0].accepterTransitGatewayAttachmentId, "tgw-attach-0000000000000000b");
}

TEST(Ec2XmlTest, DescribeTransitGatewayRouteTables) {
  auto page = parseDescribeTransitGatewayRouteTables(
      R"(<DescribeTransitGatewayRouteTablesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>c1b2c3d4-5678-90ab-cdef-EXAMPLE33333</requestId>
    <transitGatewayRouteTables>
        <item>
            <creationTime>2018-11-28T14:24:49.000Z</creationTime>
            <defaultAssociationRouteTable>true</defaultAssociationRouteTable>
            <defaultPropagationRouteTable>true</defaultPropagationRouteTable>
            <state>available</state>
            <tagSet/>
            <transitGatewayId>tgw-0262a0e521EXAMPLE</transitGatewayId>
            <transitGatewayRouteTableId>tgw-rtb-0ca78a549EXAMPLE</transitGatewayRouteTableId>
        </item>
        <item>
            <defaultAssociationRouteTable>false</defaultAssociationRouteTable>
            <defaultPropagationRouteTable>false</defaultPropagationRouteTable>
            <state>available</state>
            <transitGatewayId>tgw-0262a0e521EXAMPLE</transitGatewayId>
            <transitGatewayRouteTableId>tgw-rtb-0e8f48f148EXAMPLE</transitGatewayRouteTableId>
        </item>
    </transitGatewayRouteTables>
</DescribeTransitGatewayRouteTablesResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].transitGatewayRouteTableId, "tgw-rtb-0ca78a549EXAMPLE");
  EXPECT_TRUE(page->items[0].defaultAssociationRouteTable);
  EXPECT_TRUE(page->items[0].defaultPropagationRouteTable);
  EXPECT_FALSE(page->items[1].defaultAssociationRouteTable);
  EXPECT_EQ(page->items[1].transitGatewayId, "tgw-0262a0e521EXAMPLE");
}

TEST(Ec2XmlTest, GetTransitGatewayRouteTableAssociations) {
  auto page = parseGetTransitGatewayRouteTableAssociations(
      R"(<GetTransitGatewayRouteTableAssociationsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>d1b2c3d4-5678-90ab-cdef-EXAMPLE44444</requestId>
    <associations>
        <item>
            <resourceId>vpc-0065acced4EXAMPLE</resourceId>
            <resourceType>vpc</resourceType>
            <state>associated</state>
            <transitGatewayAttachmentId>tgw-attach-09fbd47ddfEXAMPLE</transitGatewayAttachmentId>
        </item>
    </associations>
    <nextToken>page2</nextToken>
</GetTransitGatewayRouteTableAssociationsResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].transitGatewayAttachmentId, "tgw-attach-09fbd47ddfEXAMPLE");
  EXPECT_EQ(page->items[0].resourceId, "vpc-0065acced4EXAMPLE");
  EXPECT_EQ(page->items[0].resourceType, "vpc");
  EXPECT_EQ(page->items[0].state, "associated");
  EXPECT_EQ(page->nextToken, "page2");
}

TEST(Ec2XmlTest, SearchTransitGatewayRoutes) {
  auto page = parseSearchTransitGatewayRoutes(
      R"(<SearchTransitGatewayRoutesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>e1b2c3d4-5678-90ab-cdef-EXAMPLE55555</requestId>
    <additionalRoutesAvailable>false</additionalRoutesAvailable>
    <routeSet>
        <item>
            <destinationCidrBlock>10.0.2.0/24</destinationCidrBlock>
            <state>active</state>
            <transitGatewayAttachments>
                <item>
                    <resourceId>vpc-07e8ffd50fEXAMPLE</resourceId>
                    <resourceType>vpc</resourceType>
                    <transitGatewayAttachmentId>tgw-attach-09b52ccdb5EXAMPLE</transitGatewayAttachmentId>
                </item>
            </transitGatewayAttachments>
            <type>propagated</type>
        </item>
        <item>
            <destinationCidrBlock>192.168.100.10/32</destinationCidrBlock>
            <state>blackhole</state>
            <type>static</type>
        </item>
    </routeSet>
</SearchTransitGatewayRoutesResponse>)");
  ASSERT_TRUE(page) << page.error().describe();
  const auto& routes = page->result.routes;
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_FALSE(page->result.additionalRoutesAvailable);
  EXPECT_EQ(routes[0].destinationCidrBlock, "10.0.2.0/24");
  EXPECT_EQ(routes[0].type, "propagated");
  ASSERT_EQ(routes[0].transitGatewayAttachments.size(), 1u);
  EXPECT_EQ(routes[0].transitGatewayAttachments[0].transitGatewayAttachmentId,
            "tgw-attach-09b52ccdb5EXAMPLE");
  EXPECT_EQ(routes[0].transitGatewayAttachments[0].resourceId, "vpc-07e8ffd50fEXAMPLE");
  EXPECT_EQ(routes[1].state, "blackhole");
  EXPECT_EQ(routes[1].type, "static");
  EXPECT_TRUE(routes[1].transitGatewayAttachments.empty());
}

TEST(Ec2XmlTest, MutationResponses) {
  EXPECT_TRUE(parseMutationResponse(
      "<ReplaceRouteResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
      "59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><return>true</return></"
      "ReplaceRouteResponse>",
      "ReplaceRoute"));
  // CreateTransitGatewayRoute answers with the route rather than <return>.
  EXPECT_TRUE(parseMutationResponse(
      "<CreateTransitGatewayRouteResponse><requestId>r</requestId><route><destinationCidrBlock>"
      "10.0.0.1/32</destinationCidrBlock><state>active</state><type>static</type></route>"
      "</CreateTransitGatewayRouteResponse>",
      "CreateTransitGatewayRoute"));
  auto falseReturn = parseMutationResponse(
      "<CreateRouteResponse><requestId>r9</requestId><return>false</return></CreateRouteResponse>",
      "CreateRoute");
  ASSERT_FALSE(falseReturn);
  EXPECT_EQ(falseReturn.error().requestId, "r9");
  auto wrongAction = parseMutationResponse(
      "<CreateRouteResponse><return>true</return></CreateRouteResponse>", "ReplaceRoute");
  ASSERT_FALSE(wrongAction);
  EXPECT_EQ(wrongAction.error().category, ErrorCategory::kRetryable);
  EXPECT_FALSE(parseMutationResponse("<oops", "ReplaceRoute"));
}

}  // namespace
}  // namespace tgwark::aws
