{#-
    The Open edX data panorama (thesis §4.3.3): one row per event class
    found in the data (the loaded events, or a merged diagnosis loaded with
    `python -m loader diagnose-load` and var panorama_frequency_source =
    'diagnosis'), in the repository's samples, or named by the mapping seed
    (with each source the documentation gives). Unknown classes are kept,
    with support status `unknown`.

    Evidence of documentation and tests comes from seeds/mapping_evidence.csv,
    which `python -m loader wiki` derives from dbt's manifest (doc blocks of
    the mapping wiki, unit tests' given events); see the doc block
    `panorama_evidence`.
-#}
{%- set frequency_source = var('panorama_frequency_source', 'loaded') -%}
{%- if frequency_source not in ['loaded', 'diagnosis'] -%}
    {{ exceptions.raise_compiler_error(
        "var panorama_frequency_source must be loaded or diagnosis, not "
        ~ frequency_source) }}
{%- endif %}
with

mapping as (
    select * from {{ ref('event_type_mapping') }}
),

samples as (
    select * from {{ ref('mapping_sample_events') }}
),

evidence as (
    select * from {{ ref('mapping_evidence') }}
),

classes_seen as (
    -- frequencies: the loaded events, or a loaded (merged) diagnosis
    {%- if frequency_source == 'diagnosis' %}
        select
            event_type,
            event_source,
            events as event_count,
            datasets as dataset_count,
            cast(nullif(first_seen, '') as timestamp) as first_seen_at,
            cast(nullif(last_seen, '') as timestamp) as last_seen_at
        from {{ source('diagnosis', 'diagnosis_classification') }}
    {%- else %}
        select
            event_type,
            event_source,
            event_count,
            course_count as dataset_count,
            first_seen_at,
            last_seen_at
        from {{ ref('event_classification') }}
    {%- endif %}
),

classes_documented as (
    -- the seed names at most two sources per type (e.g. browser;mobile)
    select
        event_type,
        split_part(documented_sources, ';', 1) as event_source
    from mapping
    union
    select
        event_type,
        split_part(documented_sources, ';', 2) as event_source
    from mapping
    where split_part(documented_sources, ';', 2) <> ''
),

classes_sampled as (
    select
        event_type,
        event_source,
        count(*) as sample_count
    from samples
    group by event_type, event_source
),

classes_all as (
    select
        event_type,
        event_source
    from classes_seen
    union
    select
        event_type,
        event_source
    from classes_documented
    union
    select
        event_type,
        event_source
    from classes_sampled
),

unit_tests_per_class as (
    select
        classes_all.event_type,
        classes_all.event_source,
        count(distinct evidence.reference) as unit_test_count
    from classes_all
    inner join evidence
        on
            classes_all.event_type = evidence.event_type
            and evidence.evidence = 'unit_test'
            and evidence.event_source in (classes_all.event_source, '*')
    group by classes_all.event_type, classes_all.event_source
),

wiki_pages as (
    select
        event_type,
        min(reference) as wiki_doc_block
    from evidence
    where evidence = 'wiki'
    group by event_type
),

classes_joined as (
    select
        classes_all.event_type,
        classes_all.event_source,
        mapping.event_type is not null as is_in_mapping_seed,
        mapping.family,
        coalesce(mapping.moocdb_tables, 'none') as moocdb_tables,
        coalesce(classes_seen.event_count, 0) as event_count,
        coalesce(classes_seen.dataset_count, 0) as dataset_count,
        classes_seen.first_seen_at,
        classes_seen.last_seen_at,
        coalesce(classes_sampled.sample_count, 0) as sample_count,
        coalesce(unit_tests_per_class.unit_test_count, 0) as unit_test_count,
        wiki_pages.wiki_doc_block,
        mapping.doc_reference as openedx_doc_reference
    from classes_all
    left join classes_seen
        on
            classes_all.event_type = classes_seen.event_type
            and classes_all.event_source = classes_seen.event_source
    left join mapping
        on classes_all.event_type = mapping.event_type
    left join classes_sampled
        on
            classes_all.event_type = classes_sampled.event_type
            and classes_all.event_source = classes_sampled.event_source
    left join unit_tests_per_class
        on
            classes_all.event_type = unit_tests_per_class.event_type
            and classes_all.event_source = unit_tests_per_class.event_source
    left join wiki_pages
        on classes_all.event_type = wiki_pages.event_type
),

classes_judged as (
    select
        *,
        is_in_mapping_seed
        and moocdb_tables not in ('none', '') as is_mapped,
        unit_test_count > 0 or sample_count > 0 as is_tested,
        wiki_doc_block is not null as is_documented
    from classes_joined
),

classes_with_status as (
    select
        *,
        is_mapped and is_tested as is_supported,
        case
            when not is_in_mapping_seed then 'unknown'
            when not is_mapped then 'not_mapped'
            when is_tested then 'supported'
            else 'mapped_untested'
        end as support_status,
        case
            when is_documented then 'documented' else 'todo'
        end as documentation_status
    from classes_judged
),

classes_with_share as (
    select
        *,
        round(
            100.0 * event_count / nullif(sum(event_count) over (), 0), 4
        ) as event_share_percent
    from classes_with_status
),

classes_ranked as (
    select
        event_type || ' (' || event_source || ')' as event_class,
        row_number() over (
            order by event_count desc, event_type asc, event_source asc
        ) as frequency_rank,
        event_type,
        event_source,
        event_count,
        event_share_percent,
        dataset_count,
        first_seen_at,
        last_seen_at,
        sample_count,
        documentation_status,
        support_status,
        is_documented,
        is_mapped,
        is_tested,
        is_supported,
        is_in_mapping_seed,
        unit_test_count,
        family,
        moocdb_tables,
        wiki_doc_block,
        openedx_doc_reference
    from classes_with_share
)

select * from classes_ranked
