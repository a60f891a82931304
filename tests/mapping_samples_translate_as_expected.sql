{#-
    End to end, per event class (thesis §4.3.2, "trusting by testing"): the
    anonymized sample events of seeds/mapping_sample_events.csv, run through
    the whole DAG, become exactly the MOOCdb rows of
    seeds/mapping_sample_expected_rows.csv. Every MOOCdb table carrying
    `source_event_id` is compared: per sample and table, the same number of
    rows, and every expected row found (its columns and values contained in
    an actual row; columns added later do not break it).

    Enabled only by var `mapping_samples_check` (the samples must be the only
    data): `python -m loader check-samples` lands the samples in schemas of
    their own, builds, and runs this test. Returns one row per problem.
-#}
{{ config(enabled=var('mapping_samples_check', false)) }}
{%- set fact_tables = [] -%}
{%- for node in graph.nodes.values() | sort(attribute='name') -%}
    {%- if node.resource_type == 'model'
        and node.path.startswith('moocdb/')
        and 'source_event_id' in node.columns -%}
        {%- do fact_tables.append((node.name, api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias
        ))) -%}
    {%- endif -%}
{%- endfor %}
with

samples as (
    select * from {{ ref('mapping_sample_events') }}
),

expected as (
    select * from {{ ref('mapping_sample_expected_rows') }}
),

mapping as (
    select * from {{ ref('event_type_mapping') }}
),

staged as (
    select * from {{ ref('stg_tracking_log__events') }}
),

-- noqa: disable=LT02
-- (sqlfluff renders the jinja loops below empty: their indents are ours)
actual_rows as (
    {%- for name, relation in fact_tables %}
        select
            '{{ name }}' as moocdb_table,
            facts.source_event_id,
            {{ json_row('facts') }} as actual_row
        from {{ relation }} as facts
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if not fact_tables %}
        select
            cast(null as text) as moocdb_table,
            cast(null as bigint) as source_event_id,
            {{ parse_json("'{}'") }} as actual_row
        where false
    {%- endif %}
),

-- noqa: enable=LT02
sample_events as (
    -- check-samples lands each sample as a file named by its sample_id
    select
        samples.sample_id,
        samples.event_type,
        samples.event_source,
        staged.event_id
    from samples
    left join staged
        on samples.sample_id = staged.source_file_name
),

sample_rows as (
    select
        sample_events.sample_id,
        actual_rows.moocdb_table,
        actual_rows.actual_row
    from sample_events
    inner join actual_rows
        on sample_events.event_id = actual_rows.source_event_id
),

expected_parsed as (
    select
        sample_id,
        moocdb_table,
        expected_row,
        {{ parse_json('expected_row') }} as expected_json
    from expected
),

samples_not_staged as (
    select
        sample_id,
        cast(null as text) as moocdb_table,
        'the sample was not staged' as problem,
        cast(null as text) as expected_row
    from sample_events
    where event_id is null
),

expected_rows_missing as (
    select
        expected_parsed.sample_id,
        expected_parsed.moocdb_table,
        'expected row not produced' as problem,
        expected_parsed.expected_row
    from expected_parsed
    where not exists (
        select 1
        from sample_rows
        where
            sample_rows.sample_id = expected_parsed.sample_id
            and sample_rows.moocdb_table = expected_parsed.moocdb_table
            and {{ json_contains('sample_rows.actual_row', 'expected_parsed.expected_json') }} -- noqa: LT02, LT05
    )
),

expected_counts as (
    select
        sample_id,
        moocdb_table,
        count(*) as row_count
    from expected
    group by sample_id, moocdb_table
),

actual_counts as (
    select
        sample_id,
        moocdb_table,
        count(*) as row_count
    from sample_rows
    group by sample_id, moocdb_table
),

row_counts_differ as (
    select
        coalesce(expected_counts.sample_id, actual_counts.sample_id)
            as sample_id,
        coalesce(expected_counts.moocdb_table, actual_counts.moocdb_table)
            as moocdb_table,
        'expected ' || coalesce(expected_counts.row_count, 0)
        || ' rows, got ' || coalesce(actual_counts.row_count, 0) as problem,
        cast(null as text) as expected_row
    from expected_counts
    full outer join actual_counts
        on
            expected_counts.sample_id = actual_counts.sample_id
            and expected_counts.moocdb_table = actual_counts.moocdb_table
    where
        coalesce(expected_counts.row_count, 0)
        <> coalesce(actual_counts.row_count, 0)
),

samples_without_expectation as (
    -- the mapping sends the type to a fact table, yet nothing is expected
    select
        samples.sample_id,
        mapping.moocdb_tables as moocdb_table,
        'no expected MOOCdb row for a type mapped to a fact table' as problem,
        cast(null as text) as expected_row
    from samples
    inner join mapping
        on samples.event_type = mapping.event_type
    -- noqa: disable=LT02
    where
        (
            false
            {%- for name, relation in fact_tables %}
                or ';' || mapping.moocdb_tables || ';' like '%;{{ name }};%'
            {%- endfor %}
        )
        and not exists (
            select 1
            from expected
            where expected.sample_id = samples.sample_id
        )
-- noqa: enable=LT02
),

problems as (
    select * from samples_not_staged
    union all
    select * from expected_rows_missing
    union all
    select * from row_counts_differ
    union all
    select * from samples_without_expectation
),

problems_by_class as (
    select
        sample_events.event_type || ' (' || sample_events.event_source || ')'
            as event_class,
        problems.sample_id,
        problems.moocdb_table,
        problems.problem,
        problems.expected_row
    from problems
    left join sample_events
        on problems.sample_id = sample_events.sample_id
)

select * from problems_by_class
