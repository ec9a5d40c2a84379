// PoolId: the one text of a pool, read back whatever '/' its product holds, and the pool strings
// the codecs and operators write are that text.
#include <gtest/gtest.h>

#include "src/core/event.hpp"
#include "src/core/pool_id.hpp"

using namespace spotstream;

TEST(PoolId, TextReadsBack) {
  for (const PoolId& id : {PoolId{"us-east-1a", "c5.large", "Linux/UNIX"}, PoolId{"use1-az2", "p3.2xlarge", "Windows"},
                          PoolId{"eu-west-1b", "m6g.medium", "Red Hat Enterprise Linux"},
                          PoolId{"us-west-2c", "r5.xlarge", "Linux/UNIX (Amazon VPC)"}}) {
    const auto back = PoolId::parse(id.str());
    ASSERT_TRUE(back) << id.str();
    EXPECT_EQ(*back, id);
  }
  EXPECT_EQ(PoolId({"us-east-1a", "c5.large", "Linux/UNIX"}).str(), "us-east-1a/c5.large/Linux/UNIX");
  EXPECT_EQ(PoolId({"us-east-1a", "p3.2xlarge", "Linux/UNIX"}).family(), "p3");
  for (const char* bad : {"", "us-east-1a", "us-east-1a/c5.large", "us-east-1a/c5.large/", "/c5.large/Linux", "a//Linux"})
    EXPECT_FALSE(PoolId::parse(bad)) << bad;
}

TEST(PoolId, TicksNameTheirPoolsSo) {
  PriceTick t;
  t.az = "us-east-1b";
  t.instance_type = "g5.xlarge";
  t.product = "Linux/UNIX";
  EXPECT_EQ(t.pool_id(), "us-east-1b/g5.xlarge/Linux/UNIX");
  EXPECT_EQ(PoolId::parse(t.pool_id())->instance_type, "g5.xlarge");
}
