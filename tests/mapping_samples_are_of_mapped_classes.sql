{#-
    Every sample in seeds/mapping_sample_events.csv is of a class the
    mapping seed maps to MOOCdb tables: a sample of an unmapped or unknown
    type proves nothing about the mapping (add the type to the seed first).
    Returns one row per offending sample.
-#}
with

samples as (
    select * from {{ ref('mapping_sample_events') }}
),

mapping as (
    select * from {{ ref('event_type_mapping') }}
),

samples_unmapped as (
    select
        samples.sample_id,
        samples.event_type,
        samples.event_source,
        coalesce(mapping.moocdb_tables, '(not in the mapping seed)')
            as moocdb_tables
    from samples
    left join mapping
        on samples.event_type = mapping.event_type
    where coalesce(mapping.moocdb_tables, 'none') in ('none', '')
)

select * from samples_unmapped
