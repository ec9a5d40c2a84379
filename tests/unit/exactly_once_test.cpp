// delivery.guarantee=exactly_once on the embedded broker. librdkafka's mock cluster accepts
// transactions without enforcing them (../shared/FACTS.md: transactional offset commits are not
// stored, read_committed consumers see aborted messages), so what these tests can show is:
// the same outputs as at_least_once, the transactional call sequence with the offsets sent, a
// restart that loses nothing (duplicates counted, not asserted away), and bad configurations
// refused. They cannot show that a real cluster hides aborted outputs or resumes from
// transactional offsets.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "src/feed/event_publisher.hpp"
#include "src/kafka/embedded_cluster.hpp"
#include "src/kafka/kafka_conf.hpp"
#include "src/kafka/kafka_producer.hpp"
#include "src/kafka/topic_reader.hpp"
#include "src/runtime/delivery_guarantee.hpp"
#include "src/runtime/pipeline.hpp"
#include "src/storage/pg_connection.hpp"
#include "src/storage/temp_postgres.hpp"
#include "tests/unit/decision_test_util.hpp"
#include "topology/kafka_io.hpp"
#include "topology/live_topology.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;
using spotstream::test::deterministic_parts;
using Call = TransactionObserver::Call;

namespace {

// The seam: records each transactional call the sink made (they all went to librdkafka).
class RecordingObserver : public TransactionObserver {
 public:
  void on_call(Call call, const std::map<PartitionKey, std::int64_t>& offsets) override {
    std::lock_guard lock(mutex_);
    calls_.emplace_back(call, offsets);
  }
  std::vector<std::pair<Call, std::map<PartitionKey, std::int64_t>>> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Call, std::map<PartitionKey, std::int64_t>>> calls_;
};

struct RunOutput {
  std::vector<std::string> decisions, risk, dlq;  // sorted values
};

class ExactlyOnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<EmbeddedCluster>(1);
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet"}) cluster_->create_topic(base_.get_string(t), 4);
    base_.set("kafka.bootstrap.servers", cluster_->bootstraps());
    base_.set("log.level", "warn");
    events_ = test::two_day_market();
  }

  void publish(std::size_t from, std::size_t to, bool bad_input = false) {
    EventPublisher pub(base_);
    for (auto i = from; i < to; ++i) pub.publish(events_[i]);
    if (bad_input) {
      pub.publish_raw(base_.get_string("topics.prices"), "k", "{not json", 0);
      pub.publish_raw(base_.get_string("topics.signals"), "", R"({"noticeTime":"2025-01-01T00:00:00Z"})", 0);
    }
    pub.flush();
  }

  //! Runs to idle in `group`, outputs on topics named after `out`; returns them sorted.
  RunOutput run(const std::string& group, const std::string& out, const std::string& guarantee, ProcessMetrics& m,
                TransactionObserver* observer = nullptr) {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    cfg.set("delivery.guarantee", guarantee);
    cfg.set("runtime.batch_size", "64");
    cfg.set("runtime.commit_interval_ms", "20");  // many transactions in a short run
    cfg.set("runtime.idle_exit_ms", "500");
    for (const char* t : {"topics.decisions", "topics.risk", "topics.dlq"}) {
      const std::string name = std::string(t).substr(7) + "." + out;  // each run's outputs on their own
      if (created_.insert(name).second) cluster_->create_topic(name, 4);
      cfg.set(t, name);
    }
    std::atomic<bool> stop{false};
    Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
    if (observer) p.set_transaction_observer(observer);
    EXPECT_EQ(p.run(stop), 0);
    RunOutput r;
    for (auto [topic, dest] : {std::pair{"topics.decisions", &r.decisions}, {"topics.risk", &r.risk}, {"topics.dlq", &r.dlq}}) {
      // A tombstone (a departed node's entry cleared) by its key: one per node, as a decision is one per id.
      for (const auto& rec : read_topic(base_, cfg.get_string(topic)))
        dest->push_back(rec.value.empty() ? "tombstone " + rec.key : rec.value);
      std::sort(dest->begin(), dest->end());
    }
    return r;
  }

  //! Offsets the broker holds as committed for `group` on the input topics (what a restart resumes from).
  std::size_t committed_partitions(const std::string& group) {
    Config cfg = base_;
    cfg.set("consumer.group", group);
    auto conf = make_kafka_conf(cfg, ClientRole::Consumer);
    std::string err;
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
    EXPECT_TRUE(c) << err;
    std::vector<RdKafka::TopicPartition*> parts;
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet"})
      for (int p = 0; p < 4; ++p) parts.push_back(RdKafka::TopicPartition::create(base_.get_string(t), p));
    EXPECT_EQ(c->committed(parts, 10000), RdKafka::ERR_NO_ERROR);
    std::size_t n = 0;
    for (auto* p : parts) {
      if (p->offset() >= 0) ++n;
      delete p;
    }
    c->close();
    return n;
  }

  //! End offsets of the input partitions that hold messages.
  std::map<PartitionKey, std::int64_t> input_ends() {
    std::map<PartitionKey, std::int64_t> ends;
    for (const char* t : {"topics.prices", "topics.signals", "topics.fleet"})
      for (const auto& r : read_topic(base_, base_.get_string(t)))
        ends[{base_.get_string(t), r.partition}] = std::max(ends[{base_.get_string(t), r.partition}], r.offset + 1);
    return ends;
  }

  Config base_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  std::vector<Event> events_;
  std::set<std::string> created_;
};

}  // namespace

// Same input, both guarantees: the same decisions (by id and bytes), risk records and dead letters.
// The exactly_once run initialises transactions once, then every transaction is begin, [offsets],
// commit, and the offsets sent are, in the end, the end of every input partition (all consumed).
TEST_F(ExactlyOnceTest, SameOutputsAsAtLeastOnceAndTheTransactionalCallSequence) {
  publish(0, events_.size(), true);
  ProcessMetrics alo_m, eos_m;
  RecordingObserver alo_calls, eos_calls;
  const auto alo = run("alo", "alo", "at_least_once", alo_m, &alo_calls);
  const auto eos = run("eos", "eos", "exactly_once", eos_m, &eos_calls);
  ASSERT_GT(alo.decisions.size(), 25u);
  ASSERT_GT(alo.risk.size(), 100u);
  EXPECT_EQ(deterministic_parts(eos.decisions), deterministic_parts(alo.decisions));
  EXPECT_EQ(eos.risk, alo.risk);
  EXPECT_EQ(alo.dlq.size(), 2u);
  EXPECT_EQ(eos.dlq, alo.dlq);
  EXPECT_EQ(eos_m.messages_in.get(), events_.size() + 2);

  // at_least_once: no transactional call at all.
  EXPECT_TRUE(alo_calls.calls().empty());
  EXPECT_EQ(alo_m.transactions_committed.get(), 0u);

  const auto calls = eos_calls.calls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.front().first, Call::Init);
  std::size_t begins = 0, sends = 0, commits = 0;
  std::map<PartitionKey, std::int64_t> sent;  // last offset sent per partition
  bool open = false, has_offsets = false;
  for (std::size_t i = 1; i < calls.size(); ++i) {
    const auto& [call, offsets] = calls[i];
    switch (call) {
      case Call::Init: ADD_FAILURE() << "init_transactions called again at call " << i; break;
      case Call::Begin:
        EXPECT_FALSE(open) << "begin inside a transaction at call " << i;
        open = true, has_offsets = false, ++begins;
        break;
      case Call::SendOffsets:
        EXPECT_TRUE(open && !has_offsets) << "offsets outside a transaction, or twice, at call " << i;
        has_offsets = true, ++sends;
        for (const auto& [tp, off] : offsets) {
          EXPECT_GT(off, sent.count(tp) ? sent[tp] : 0) << tp.first << "[" << tp.second << "] went back";
          sent[tp] = off;
        }
        break;
      case Call::Commit:
        EXPECT_TRUE(open) << "commit with no transaction at call " << i;
        open = false, ++commits;
        break;
      case Call::Abort: ADD_FAILURE() << "a transaction was aborted"; break;
    }
  }
  EXPECT_FALSE(open);
  EXPECT_EQ(begins, commits);
  EXPECT_GT(sends, 0u);
  EXPECT_EQ(commits, eos_m.transactions_committed.get());
  EXPECT_EQ(sends, eos_m.commits.get());  // every offset commit went through a transaction
  EXPECT_EQ(eos_m.transactions_aborted.get(), 0u);
  // What was consumed, independently: every input partition's end offset.
  EXPECT_EQ(sent, input_ends());
  std::cout << "[ exactly_once ] " << commits << " transactions (" << sends << " with offsets), "
            << eos.decisions.size() << " decisions, " << eos.risk.size() << " risk records\n";
}

// A restart in the same group, exactly_once both times: nothing is missing (at-least-once or
// better on this broker). The mock does not store transactional offset commits, so what the
// second run resumes from is measured and printed, and duplicates are counted, not asserted zero.
TEST_F(ExactlyOnceTest, RestartInTheSameGroupLosesNothing) {
  const auto half = events_.size() / 2;
  publish(0, half);
  ProcessMetrics first, second, whole;
  const auto before = run("eos-restart", "restart", "exactly_once", first);
  const auto stored = committed_partitions("eos-restart");
  publish(half, events_.size());
  const auto after = run("eos-restart", "restart", "exactly_once", second);  // same group, same topics
  const auto reference = run("eos-reference", "reference", "at_least_once", whole);
  ASSERT_GT(before.decisions.size(), 0u);
  ASSERT_GT(reference.decisions.size(), before.decisions.size());
  EXPECT_GE(first.messages_in.get() + second.messages_in.get(), events_.size());

  const auto all = deterministic_parts(after.decisions);  // the topic holds both runs' decisions
  const auto ref = deterministic_parts(reference.decisions);
  std::map<std::string, int> seen;
  for (const auto& d : all) ++seen[d];
  std::size_t missing = 0, extra = 0, duplicates = 0;
  for (const auto& d : ref)
    if (!seen.count(d)) ++missing;
  const std::set<std::string> ref_set(ref.begin(), ref.end());
  for (const auto& [d, n] : seen) {
    if (!ref_set.count(d)) ++extra;
    duplicates += static_cast<std::size_t>(n - 1);
    EXPECT_LE(n, 2) << "a decision more than twice: " << d;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(extra, 0u);
  EXPECT_EQ(ref_set.size(), ref.size());  // the reference itself has no duplicates
  std::cout << "[ exactly_once restart ] committed offsets the mock stored after the first run: " << stored
            << " partition(s); second run read " << second.messages_in.get() << " new and "
            << second.messages_replayed.get() << " replayed message(s); decisions: " << ref.size() << " expected, "
            << missing << " missing, " << duplicates << " duplicate(s) (first run made " << before.decisions.size() << ")\n";
}

// Combinations that cannot work are refused at start with errors naming the keys.
TEST_F(ExactlyOnceTest, BadDeliveryConfigurationsAreRefused) {
  const auto refused = [](std::vector<std::pair<std::string, std::string>> sets, const std::string& expected) {
    Config cfg;
    for (const auto& [k, v] : sets) cfg.set(k, v);
    try {
      delivery_guarantee(cfg);
      ADD_FAILURE() << "accepted; expected an error mentioning " << expected;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused({{"delivery.guarantee", "exactly-once"}}, "expected at_least_once or exactly_once");
  refused({{"kafka.transactional.id", "x"}}, "kafka.transactional.id is not accepted");
  refused({{"delivery.guarantee", "exactly_once"}, {"kafka.transactional.id", "x"}}, "delivery.transactional_id");
  refused({{"delivery.guarantee", "exactly_once"}, {"kafka.enable.idempotence", "false"}}, "idempotent producer");
  refused({{"delivery.guarantee", "exactly_once"}, {"kafka.isolation.level", "read_uncommitted"}}, "read_committed");
  refused({{"delivery.guarantee", "exactly_once"}, {"kafka.enable.auto.commit", "true"}}, "enable.auto.commit");
  refused({{"delivery.transactional_id", "t1"}}, "used only with delivery.guarantee=exactly_once");
  refused({{"delivery.guarantee", "exactly_once"}, {"runtime.commit_interval_ms", "40000"}}, "at most half of kafka.transaction.timeout.ms (60000)");
  refused({{"delivery.guarantee", "exactly_once"}, {"kafka.transaction.timeout.ms", "1000"}}, "runtime.commit_interval_ms (1000)");

  Config ok;
  EXPECT_EQ(delivery_guarantee(ok), DeliveryGuarantee::AtLeastOnce);
  ok.set("delivery.guarantee", "exactly_once");
  ok.set("consumer.group", "g");
  EXPECT_EQ(delivery_guarantee(ok), DeliveryGuarantee::ExactlyOnce);
  EXPECT_EQ(transactional_id(ok).rfind("g-", 0), 0u) << transactional_id(ok);  // <group>-<host name>
  EXPECT_GT(transactional_id(ok).size(), 2u);
  ok.set("delivery.transactional_id", "spot-east-7");
  EXPECT_EQ(transactional_id(ok), "spot-east-7");
  // The pipeline refuses them too (its constructor), not only the command line.
  Config bad = base_;
  bad.set("delivery.guarantee", "exactly_twice");
  ProcessMetrics m;
  EXPECT_THROW(Pipeline(bad, live_topology(bad), m, kafka_io(bad)), ConfigError);
}


// A transaction that cannot commit is aborted and the process stops with status 1 (the shards'
// state cannot be rewound in process; a restart resumes from the last committed transaction).
// Injected on the embedded broker: an abortable error (the group generation the offsets were sent
// with is no longer valid, as for a zombie whose partitions moved) and a fatal one (fenced).
TEST_F(ExactlyOnceTest, AFailedTransactionIsAbortedAndStopsTheProcess) {
  publish(0, events_.size());
  constexpr std::int16_t kTxnOffsetCommit = 28, kEndTxn = 26;
  constexpr int kIllegalGeneration = 22, kProducerFenced = 90;
  struct Case {
    std::int16_t api;
    int error;
    bool abort_succeeds;  // a fenced producer cannot abort: the broker (or its successor) does
  };
  int i = 0;
  for (const auto& c : {Case{kTxnOffsetCommit, kIllegalGeneration, true}, Case{kEndTxn, kProducerFenced, false}}) {
    Config cfg = base_;
    const std::string n = std::to_string(i++);
    cfg.set("consumer.group", "fail" + n);
    cfg.set("delivery.guarantee", "exactly_once");
    cfg.set("runtime.idle_exit_ms", "500");
    for (const char* t : {"topics.decisions", "topics.risk", "topics.dlq"}) cfg.set(t, std::string(t).substr(7) + ".fail" + n);
    cluster_->fail_next_requests(c.api, c.error, 1);
    ProcessMetrics m;
    RecordingObserver calls;
    std::atomic<bool> stop{false};
    Pipeline p(cfg, live_topology(cfg), m, kafka_io(cfg));
    p.set_transaction_observer(&calls);
    EXPECT_EQ(p.run(stop), 1) << "api " << c.api;
    EXPECT_EQ(m.transactions_aborted.get(), 1u);
    EXPECT_EQ(m.commits.get(), 0u);  // no offsets committed, in or out of a transaction
    const auto seq = calls.calls();
    ASSERT_FALSE(seq.empty());
    EXPECT_EQ(seq.back().first == Call::Abort, c.abort_succeeds) << "api " << c.api;
    for (const auto& [call, offsets] : seq) EXPECT_TRUE(call != Call::Commit || offsets.empty());
  }
}

// The PostgreSQL history works with exactly_once: a batch's offsets go into a transaction only
// once its rows are committed there, so the history holds every decision and risk record that
// Kafka holds. (It is not part of the Kafka transaction: after an aborted one it may hold rows
// whose Kafka records were discarded; the restart derives them again and they are skipped as
// duplicates, docs/scaling-and-delivery.md.)
TEST_F(ExactlyOnceTest, WorksWithThePostgresHistory) {
  publish(0, events_.size() / 2);
  TempPostgres pg;
  base_.set("postgres.enabled", "true");
  base_.set("postgres.conninfo", pg.conninfo());
  ProcessMetrics m;
  const auto out = run("eos-pg", "pg", "exactly_once", m);
  ASSERT_GT(out.decisions.size(), 0u);
  PgConnection c(pg.conninfo(), "exactly_once_test");
  std::set<std::string> stored;
  auto rows = c.exec("SELECT decision_id FROM decisions");
  for (int i = 0; i < rows.rows(); ++i) stored.insert(std::string(rows.value(i, 0)));
  std::set<std::string> published;
  for (const auto& json : out.decisions)
    if (json.rfind("tombstone ", 0) != 0) published.insert(decode_decision(json)->decision_id);  // tombstones are not stored
  EXPECT_EQ(stored, published);
  EXPECT_EQ(std::stoul(std::string(c.exec("SELECT count(*) FROM risk_scores").value(0, 0))), out.risk.size());
  EXPECT_EQ(m.transactions_aborted.get(), 0u);
}
