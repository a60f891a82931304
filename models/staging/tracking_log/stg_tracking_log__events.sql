{#- Spark: rebuilt whole (spark_build rebuilds the DAG; delete+insert needs
    a Delta/Iceberg table there). -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    post_hook=[
        "{{ stg_events_drop_orphans(this) }}",
    ],
) }}
{#-
    One row per distinct tracking-log event: the envelope of every published
    variant parsed once, typed, with its lineage. No filtering by type, no
    joins but the one-row pseudonym key.

    Incremental (doc block `staging_incremental`): a build on an existing
    table parses only the lines of raw loads it has not staged yet, plus the
    earlier copies of those exact lines (so `copies_count` and the first
    copy stay those of a full rebuild); rows are replaced by event_id.
-#}
with

{#- a CTE read twice is materialized by Postgres: a full build reads the
    raw table itself in `lines_parsed`, an incremental build its few lines -#}
{%- set raw_lines = source('tracking_log', 'tracking_log_lines') -%}
{%- set parsed_lines = 'lines' if is_incremental() else raw_lines %}

loads as (
    select * from {{ source('tracking_log', '_dlt_loads') }}
),

completed_loads as (
    -- loads whose every job committed (dlt writes the row last): a build
    -- that runs while a load is landing reads the lines as of the last
    -- complete load, never part of one
    select load_id from loads
    where status = 0
),

{% if is_incremental() %}

    all_lines as (
        select * from {{ raw_lines }}
        where _dlt_load_id in (select completed_loads.load_id from completed_loads)
    ),

    new_lines as (
    -- lines of the complete raw loads not staged yet (a load made only of
    -- copies of staged lines is never recorded, so it is re-read: harmless)
        select all_lines.raw_line
        from all_lines
        where all_lines._dlt_load_id not in (
            select distinct staged.load_id from {{ this }} as staged
        )
    ),

    new_line_hashes as (
        select distinct md5(raw_line) as line_hash from new_lines
    ),

    lines as (
    -- the new lines and every earlier copy of them
        select all_lines.*
        from all_lines
        where md5(all_lines.raw_line) in (
            select new_line_hashes.line_hash from new_line_hashes
        )
    ),

{% else %}

    lines as (
        select * from {{ raw_lines }}
        where _dlt_load_id in (select completed_loads.load_id from completed_loads)
    ),

{% endif %}

pseudonym_key as (
    select * from {{ source('tracking_log', 'pseudonym_key') }}
),

lines_hashed as (
    select
        file_name,
        file_version,
        line_number,
        _dlt_load_id as load_id,
        loaded_at,
        md5(raw_line) as line_hash
    from lines
),

copied_hashes as (
    -- the lines that occur more than once (usually few or none)
    select line_hash
    from lines_hashed
    group by line_hash
    having count(*) > 1
),

line_copies as (
    -- copies of one exact line (a file delivered twice, under two names)
    -- are staged once: the first copy read, with the number of copies;
    -- numbered on narrow keys and only among the lines that have copies,
    -- so neither the sort nor the join back is the size of the log, and no
    -- duplicate is parsed
    select
        file_name,
        file_version,
        line_number,
        load_id,
        row_number() over (
            partition by line_hash
            order by loaded_at, file_name, file_version, line_number
        ) as copy_number,
        count(*) over (partition by line_hash) as copies_count
    from lines_hashed
    where line_hash in (select copied_hashes.line_hash from copied_hashes)
),

lines_parsed as (
    -- the only place a line's JSON is parsed; the fence keeps it once per
    -- row (not once per reference); a line without copies is its own first
    -- copy
    select
        lines.file_name,
        lines.file_version,
        lines.line_number,
        lines.line_prefix,
        lines.loaded_at,
        lines._dlt_load_id as load_id,
        md5(lines.raw_line) as line_hash,
        coalesce(line_copies.copies_count, 1) as copies_count,
        {{ parse_json('lines.raw_line') }} as line_json
    from {{ parsed_lines }} as lines
    left join line_copies
        on
            lines.file_name = line_copies.file_name
            and lines.file_version = line_copies.file_version
            and lines.line_number = line_copies.line_number
            and lines._dlt_load_id = line_copies.load_id
    where
        lines._dlt_load_id in (select completed_loads.load_id from completed_loads)
        and coalesce(line_copies.copy_number, 1) = 1
    {{ optimization_fence() }}
),

envelopes as (
    select
        {{ hash_to_bigint('line_hash') }} as event_id,
        line_hash,
        file_name as source_file_name,
        file_version as source_file_version,
        line_number as source_line_number,
        line_prefix as source_line_prefix,
        load_id,
        loaded_at,
        copies_count,
        {{ json_get_text('line_json', 'event_type') }} as raw_event_type,
        {{ json_get_text('line_json', 'name') }} as event_name,
        lower(coalesce(
            {{ json_get_text('line_json', 'event_source') }},
            {{ json_get_text('line_json', 'context', 'event_source') }}
        )) as event_source,
        coalesce(
            {{ json_get('line_json', 'time') }},
            {{ json_get('line_json', 'timestamp') }}
        ) as time_value,
        case
            when {{ json_get('line_json', 'event') }} is not null
                then {{ json_get('line_json', 'event') }}
            else {{ json_get('line_json', 'data') }}
        end as event_value,
        {{ json_get('line_json', 'context') }} as context,
        coalesce(
            {{ json_get_text('line_json', 'username') }},
            {{ json_get_text('line_json', 'context', 'username') }}
        ) as username,
        {{ json_get('line_json', 'context', 'user_id') }} as user_id_value,
        {{ json_get_text('line_json', 'context', 'course_id') }}
            as context_course_id,
        -- enrollments made by external tools log the course only here
        case
            when {{ json_type(json_get('line_json', 'event')) }} = 'object'
                then {{ json_get_text('line_json', 'event', 'course_id') }}
        end as payload_course_id,
        coalesce(
            {{ json_get_text('line_json', 'page') }},
            {{ json_get_text('line_json', 'context', 'page') }}
        ) as page_raw,
        coalesce(
            {{ json_get_text('line_json', 'session') }},
            {{ json_get_text('line_json', 'context', 'session') }}
        ) as session_id,
        coalesce(
            {{ json_get_text('line_json', 'agent') }},
            {{ json_get_text('line_json', 'context', 'agent') }}
        ) as agent,
        coalesce(
            {{ json_get_text('line_json', 'ip') }},
            {{ json_get_text('line_json', 'context', 'ip') }}
        ) as ip_raw,
        coalesce(
            {{ json_get_text('line_json', 'host') }},
            {{ json_get_text('line_json', 'context', 'host') }}
        ) as host,
        coalesce(
            {{ json_get_text('line_json', 'referer') }},
            {{ json_get_text('line_json', 'context', 'referer') }}
        ) as referer,
        coalesce(
            {{ json_get_text('line_json', 'accept_language') }},
            {{ json_get_text('line_json', 'context', 'accept_language') }}
        ) as accept_language,
        {{ json_get_text('line_json', 'context', 'received_at') }}
            as received_at_text,
        {{ json_get_text('line_json', 'context', 'org_id') }} as org_id,
        {{ json_get_text('line_json', 'context', 'path') }} as context_path
    from lines_parsed
    {{ optimization_fence() }}
),

events_classified as (
    select
        *,
        {{ json_type('event_value') }} as event_value_type,
        -- the text of a string payload only: every use below is for
        -- strings, and an object payload need not be written out as text
        case
            when {{ json_type('event_value') }} <> 'string' then null
            -- a payload JSON-encoded twice ("\"input_...=...\""): unwrap once
            when
                {{ regex_matches(json_as_text('event_value'), '^".*"$') }}
                and {{ is_valid_json(json_as_text('event_value')) }}
                then {{ json_as_text(parse_json(json_as_text('event_value'))) }}
            else {{ json_as_text('event_value') }}
        end as event_value_text,
        -- server page views log the URL path as their event_type
        coalesce(left(raw_event_type, 1) = '/', false) as is_page_view_path,
        case
            when page_raw like 'http://%' or page_raw like 'https://%'
                then page_raw
        end as page_url,
        nullif(trim(username), '') is null
        or lower(trim(username)) = 'anonymous' as is_anonymous
    from envelopes
    {{ optimization_fence() }}
),

events_typed as (
    select
        *,
        case
            when is_page_view_path then 'page_view'
            -- the processed shape (and some mobile events) has only `name`
            when nullif(raw_event_type, '') is null
                then coalesce(nullif(event_name, ''), '(missing)')
            else raw_event_type
        end as event_type,
        {{ parse_event_time('time_value') }} as event_at,
        case
            when event_value_type = 'object' then 'object'
            when event_value_type = 'array' then 'list'
            when
                event_value is null or event_value_type = 'null'
                or (event_value_type = 'string' and trim(event_value_text) = '')
                then 'empty'
            when
                event_value_type = 'string'
                and left(ltrim(event_value_text), 1) in ('{', '[')
                and {{ is_valid_json('event_value_text') }}
                then 'json_string'
            when
                event_value_type = 'string'
                and left(ltrim(event_value_text), 1) in ('{', '[')
                then 'truncated_json'
            when
                event_value_type = 'string'
                and {{ regex_matches('event_value_text', '^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$') }}
                then 'form_encoded'
            when event_value_type = 'string' then 'string'
            else 'scalar'
        end as event_payload_format,
        coalesce(
            nullif(context_course_id, ''),
            {{ regex_extract('page_raw', '/courses/(course-v1:[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)') }},
            {{ regex_extract('raw_event_type', '^/courses/(course-v1:[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)') }},
            {{ regex_extract('context_path', '^/courses/(course-v1:[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)') }},
            nullif(payload_course_id, '')
        ) as course_id_found,
        case
            when nullif(context_course_id, '') is not null then 'context'
            when page_raw like '%/courses/%' then 'page_url'
            when raw_event_type like '/courses/%' then 'event_type'
            when context_path like '/courses/%' then 'context_path'
            when nullif(payload_course_id, '') is not null then 'event_payload'
            else 'none'
        end as course_id_origin
    from events_classified
    {{ optimization_fence() }}
),

events_pseudonymized as (
    select
        events_typed.*,
        case
            when not events_typed.is_anonymous
                then {{ hmac_sha256_hex(
                    "'user:' || trim(events_typed.username)",
                    'pseudonym_key.inner_key',
                    'pseudonym_key.outer_key'
                ) }}
            when nullif(events_typed.session_id, '') is not null
                then 'anon-' || {{ hmac_sha256_hex(
                    "'session:' || events_typed.session_id",
                    'pseudonym_key.inner_key',
                    'pseudonym_key.outer_key'
                ) }}
        end as user_pseudonym
    from events_typed
    cross join pseudonym_key
),

events_final as (
    select
        events_typed.event_id,
        events_typed.event_type,
        events_typed.raw_event_type,
        events_typed.event_name,
        case
            when events_typed.event_source in ('browser', 'server', 'mobile')
                then events_typed.event_source
            when events_typed.event_source is null then 'unknown'
            else events_typed.event_source
        end as event_source,
        events_typed.event_at,
        case
            when events_typed.time_value is null then 'missing'
            when events_typed.event_at is null then 'unparsable'
            when {{ json_type('events_typed.time_value') }} = 'object'
                then 'mongo_date'
            when {{ time_text_has_offset(json_as_text('events_typed.time_value')) }}
                then 'iso_with_offset'
            else 'iso_naive_utc'
        end as event_time_format,
        {{ json_as_text('events_typed.time_value') }} as event_time_raw,
        events_typed.user_pseudonym,
        {{ hash_to_bigint('events_typed.user_pseudonym') }} as user_id,
        events_typed.is_anonymous,
        case
            when
                {{ json_type('events_typed.user_id_value') }} = 'number'
                and cast({{ json_as_text('events_typed.user_id_value') }} as numeric)
                between 0 and 999999999999999999
                then cast(
                    cast({{ json_as_text('events_typed.user_id_value') }} as numeric)
                    as bigint
                )
            when
                {{ json_type('events_typed.user_id_value') }} = 'string'
                and {{ regex_matches(json_as_text('events_typed.user_id_value'), '^\s*\d{1,18}\s*$') }}
                then cast(trim({{ json_as_text('events_typed.user_id_value') }}) as bigint)
        end as edx_user_id,
        nullif(events_typed.course_id_found, '') as course_id,
        events_typed.course_id_origin,
        events_typed.page_url,
        events_typed.page_raw,
        events_typed.is_page_view_path,
        case
            when events_typed.event_payload_format = 'json_string'
                then {{ parse_json('events_typed.event_value_text') }}
            when events_typed.event_payload_format in ('object', 'list')
                then events_typed.event_value
            when events_typed.event_payload_format in ('form_encoded', 'string', 'scalar')
                then events_typed.event_value
        end as event_payload,
        events_typed.event_payload_format,
        case
            when events_typed.event_value_type = 'string'
                then events_typed.event_value_text
        end as event_payload_text,
        events_typed.context,
        events_typed.session_id,
        events_typed.agent,
        {{ apply_ip_policy('events_typed.ip_raw') }} as ip,
        events_typed.host,
        events_typed.referer,
        events_typed.accept_language,
        {{ parse_event_time(json_from_text('events_typed.received_at_text')) }}
            as received_at,
        events_typed.org_id,
        events_typed.context_path,
        events_typed.copies_count,
        events_typed.source_file_name,
        events_typed.source_file_version,
        events_typed.source_line_number,
        events_typed.source_line_prefix,
        events_typed.load_id,
        events_typed.loaded_at
    from events_pseudonymized as events_typed
    where {{ course_filter('events_typed.course_id_found') }}
)

select * from events_final
