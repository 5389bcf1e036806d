-- fallbacks-per-minute.sql: How often did the allocator fall back to another
-- migratetype's free list, and how many of those fallbacks fragmented a pageblock?
-- Per run and minute from the run's start: all fallbacks (mm_page_alloc_extfrag),
-- fragmenting ones (fallback_order below the pageblock order, so the pageblock ends
-- up mixed) and the ones that took the pageblock over (change_ownership).
-- Needs the derived tables: run `mmreplay storms DB` once first.
SELECT x.run_id, (x.ts - r.start_ts) / 60000000000 AS minute,
       count(*) AS fallbacks,
       sum(x.fragmenting) AS fragmenting,
       sum(x.change_ownership) AS ownership_changes
FROM extfrag_events AS x
JOIN runs AS r USING (run_id)
GROUP BY x.run_id, minute
ORDER BY x.run_id, minute;
