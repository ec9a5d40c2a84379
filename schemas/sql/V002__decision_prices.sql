-- What budget rules read on a decision (spot.decisions carries the same fields): why it was made,
-- what one node pays per hour where it runs and at the target (whole instances), and the difference.
-- Null for decisions written before these existed, for STAY, and where a price was unknown.
ALTER TABLE decisions
  ADD COLUMN why                       text COLLATE "C",  -- gate, gain, gain_and_saving, signal
  ADD COLUMN current_price_per_hour    double precision,
  ADD COLUMN target_price_per_hour     double precision,
  ADD COLUMN estimated_saving_per_hour double precision;  -- negative: a safety move that costs more
