#include "src/kafka/transaction_driver.hpp"

#include <spdlog/spdlog.h>

#include "src/kafka/kafka_producer.hpp"

namespace spotstream {

namespace {
using Kind = KafkaProducer::TxnResult::Kind;
// A retriable error is a timeout or a coordinator moving: librdkafka resumes the call where it
// left off. Past this many tries the transaction is given up.
constexpr int kTries = 3;

template <typename Call>
KafkaProducer::TxnResult with_retries(const char* what, Call call) {
  KafkaProducer::TxnResult r;
  for (int i = 0; i < kTries; ++i) {
    r = call();
    if (r.kind != Kind::Retriable) return r;
    spdlog::warn("exactly_once: {} failed ({}), retrying", what, r.error);
  }
  r.kind = Kind::Abortable;
  return r;
}
}  // namespace

TransactionDriver::TransactionDriver(KafkaProducer& producer, RuntimeMetrics& metrics, std::string transactional_id)
    : producer_(producer), metrics_(metrics), id_(std::move(transactional_id)) {}

void TransactionDriver::notify(TransactionObserver::Call call, const std::map<PartitionKey, std::int64_t>& offsets) {
  if (observer_) observer_->on_call(call, offsets);
}

bool TransactionDriver::init(std::string& error) {
  const auto r = with_retries("init_transactions", [&] { return producer_.init_transactions(-1); });
  if (!r.ok()) {
    error = "exactly_once: cannot initialise transactions for transactional.id '" + id_ + "': " + r.error;
    return false;
  }
  spdlog::info("exactly_once: transactional producer '{}' initialised (older producers with this id are fenced)", id_);
  notify(TransactionObserver::Call::Init);
  return true;
}

bool TransactionDriver::ensure_open(std::string& error) {
  if (open_) return true;
  const auto r = producer_.begin_transaction();
  if (!r.ok()) {
    error = "exactly_once: cannot begin a transaction: " + r.error;
    return false;
  }
  open_ = true;
  notify(TransactionObserver::Call::Begin);
  return true;
}

bool TransactionDriver::commit(const std::map<PartitionKey, std::int64_t>& offsets, const RdKafka::ConsumerGroupMetadata* group,
                               std::string& error, bool& fatal) {
  fatal = false;
  if (!open_ && offsets.empty()) return true;
  if (!ensure_open(error)) {
    fatal = true;
    return false;
  }
  KafkaProducer::TxnResult r;
  if (!offsets.empty()) {
    if (!group) {
      r = {Kind::Abortable, "no consumer group metadata"};
    } else {
      r = with_retries("send_offsets_to_transaction", [&] { return producer_.send_offsets_to_transaction(offsets, *group); });
      if (r.ok()) notify(TransactionObserver::Call::SendOffsets, offsets);
    }
  }
  if (r.ok()) r = with_retries("commit_transaction", [&] { return producer_.commit_transaction(); });

  if (r.ok()) {
    open_ = false;
    metrics_.transactions_committed.inc();
    notify(TransactionObserver::Call::Commit);
    return true;
  }
  fatal = r.kind == Kind::Fatal;
  error = fatal ? "exactly_once: fatal transactional error (" + r.error + "): this producer ('" + id_ +
                      "') was fenced by a newer one with the same transactional.id or its group generation is stale, "
                      "or it cannot go on"
                : "exactly_once: the transaction could not commit (" + r.error + ")";
  abort(r.error);
  return false;
}

void TransactionDriver::abort(const std::string& why) {
  if (!open_) return;
  open_ = false;
  metrics_.transactions_aborted.inc();
  const auto r = producer_.abort_transaction();
  if (!r.ok()) {
    // A fenced producer cannot abort: the broker aborts its transaction when the newer producer
    // initialises, or after transaction.timeout.ms.
    spdlog::error("exactly_once: abort_transaction failed too ({}); a fenced transaction was aborted by the producer that "
                  "fenced it, any other is aborted by the broker after transaction.timeout.ms", r.error);
    return;
  }
  notify(TransactionObserver::Call::Abort);
  spdlog::error("exactly_once: transaction aborted after: {}. Its outputs are discarded (read_committed consumers never "
                "see them) and its input offsets are not committed; a restart resumes from the last committed transaction",
                why);
}

}  // namespace spotstream
