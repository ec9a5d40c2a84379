-- Consolidation plans (decisions.consolidate): the SWITCH decisions that put several nodes of a
-- fleet on one larger instance share a plan id; plan_nodes is how many, plan_price_per_hour that
-- instance's whole hourly price (each decision's target_price_per_hour is its share). Null for
-- every other decision.
ALTER TABLE decisions
  ADD COLUMN plan                text COLLATE "C",
  ADD COLUMN plan_nodes          integer,
  ADD COLUMN plan_price_per_hour double precision;
