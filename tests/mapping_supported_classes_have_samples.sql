{#-
    Every supported event class has at least one anonymized sample in
    seeds/mapping_sample_events.csv, run end to end by `python -m loader
    check-samples`: a class mapped to MOOCdb tables and unit tested but
    never sampled fails here (take a sample from a diagnosis with
    `python -m loader wiki --add-samples DIAGNOSIS`). Returns one row per
    class without a sample.
-#}
with

panorama as (
    select * from {{ ref('panorama') }}
),

classes_without_sample as (
    select
        event_class,
        unit_test_count,
        moocdb_tables
    from panorama
    where
        is_mapped
        and unit_test_count > 0
        and sample_count = 0
)

select * from classes_without_sample
