{#-
    One row per observed event that names a courseware module or a forum
    topic: the module id in its normalized full form (`i4x://org/number/
    category/name` or `block-v1:org+number+run+type@category+block@name`),
    whatever form the event logged it in, with where it was found. The
    generic "which module is this about" step of every family, so resources
    cover problems, videos, polls, surveys, open assessments, hints, drag
    and drop and forum topics alike.

    Sources, first found wins: context.module.usage_key (2014+ server
    events) · event.problem_id (server problem events) · event.problem
    (problem_show) · event.module_id (hints) · the video family's module id
    · event.id when it is a usage key · the answer key of a form-encoded
    browser payload or of problem_graded's first element (`input_<key>_2_1=`,
    old `i4x-org-number-problem-<name>_2_1` or new `<name>_2_1`) · a forum
    event's commentable_id (kept as logged, category `forum_topic`).
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

video_events as (
    select * from {{ ref('int_video_events_parsed') }}
),

observed_events as (
    select
        events.event_id,
        events.course_id,
        events.context,
        events.event_payload,
        events.event_payload_format,
        event_types.family
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where
        event_types.moocdb_tables like '%observed_events%'
        and event_types.family not in ('navigation', 'page_view', 'book')
),

payload_fields as (
    select
        observed_events.event_id,
        observed_events.course_id,
        observed_events.family,
        {{ json_get_text('observed_events.context', 'module', 'usage_key') }}
            as context_usage_key,
        {{ json_get_text('observed_events.context', 'module', 'display_name') }}
            as module_display_name,
        case
            when
                observed_events.event_payload_format in (
                    'object', 'json_string'
                )
                then {{ json_get_text(
                    'observed_events.event_payload', 'problem_id'
                ) }}
        end as payload_problem_id,
        case
            when
                observed_events.event_payload_format in (
                    'object', 'json_string'
                )
                then {{ json_get_text('observed_events.event_payload', 'problem') }}
        end as payload_problem,
        case
            when
                observed_events.event_payload_format in (
                    'object', 'json_string'
                )
                then {{ json_get_text('observed_events.event_payload', 'module_id') }}
        end as payload_module_id,
        case
            when
                observed_events.event_payload_format in (
                    'object', 'json_string'
                )
                then {{ json_get_text('observed_events.event_payload', 'id') }}
        end as payload_id,
        case
            when
                observed_events.event_payload_format in (
                    'object', 'json_string'
                )
                then {{ json_get_text(
                    'observed_events.event_payload', 'commentable_id'
                ) }}
        end as commentable_id,
        case
            when observed_events.event_payload_format = 'form_encoded'
                then {{ json_as_text('observed_events.event_payload') }}
            when observed_events.event_payload_format = 'list'
                then {{ json_get_text('observed_events.event_payload', '0') }}
        end as form_text,
        video_events.module_id as video_module_id
    from observed_events
    left join video_events
        on observed_events.event_id = video_events.event_id
    {{ optimization_fence() }}
),

answer_keys as (
    -- `input_<answer key>=…`: the key names the problem and the question
    select
        *,
        {{ regex_replace(
            regex_replace(
                regex_extract('form_text', '^input_([^=&]+)='),
                '(%5B%5D|\[\])$', ''
            ),
            '_\d+_\d+(_[A-Za-z]+)?$', ''
        ) }} as answer_key_problem
    from payload_fields
    {{ optimization_fence() }}
),

candidates as (
    select
        *,
        case
            when {{ regex_matches('payload_id', '^(i4x://|block-v1:)') }}
                then payload_id
        end as payload_usage_key,
        case
            when
                {{ starts_with(
                    'answer_key_problem',
                    escaped_course_prefix('course_id') ~ " || 'problem-'"
                ) }}
                then {{ usage_key_for(
                    'course_id', "'problem'",
                    'substr(answer_key_problem, length('
                    ~ escaped_course_prefix('course_id')
                    ~ ") + length('problem-') + 1)"
                ) }}
            when
                {{ regex_matches('answer_key_problem', '^[A-Za-z0-9_.:-]+$') }}
                and not {{ starts_with('answer_key_problem', "'i4x-'") }}
                then {{ usage_key_for(
                    'course_id', "'problem'", 'answer_key_problem'
                ) }}
        end as answer_key_module_id
    from answer_keys
    {{ optimization_fence() }}
),

modules_found as (
    select
        event_id,
        course_id,
        family,
        module_display_name,
        case
            when context_usage_key is not null then 'context_module'
            when payload_problem_id is not null then 'event_problem_id'
            when payload_problem is not null then 'event_problem'
            when payload_module_id is not null then 'event_module_id'
            when video_module_id is not null then 'video_id'
            when payload_usage_key is not null then 'event_id'
            when answer_key_module_id is not null then 'answer_key'
            when family = 'forum' and commentable_id is not null
                then 'commentable_id'
        end as module_id_source,
        coalesce(
            context_usage_key,
            payload_problem_id,
            payload_problem,
            payload_module_id,
            video_module_id,
            payload_usage_key,
            answer_key_module_id,
            case when family = 'forum' then commentable_id end
        ) as module_id_logged
    from candidates
    {{ optimization_fence() }}
),

module_ids as (
    -- module ids repeat across events: the regexes run once per distinct
    -- logged id
    select distinct module_id_logged
    from modules_found
    where module_id_logged is not null
),

module_ids_normalized as (
    -- i4x ids sometimes end with a slash; block-v1 ids are kept as logged
    select
        module_id_logged,
        case
            when {{ starts_with('module_id_logged', "'i4x://'") }}
                then {{ regex_replace('module_id_logged', '/+$', '') }}
            else module_id_logged
        end as module_id
    from module_ids
    {{ optimization_fence() }}
),

module_ids_parsed as (
    select
        module_id_logged,
        module_id,
        {{ module_category('module_id') }} as module_id_category,
        {{ module_block_name('module_id') }} as module_id_block_name
    from module_ids_normalized
    {{ optimization_fence() }}
),

modules_normalized as (
    select
        modules_found.event_id,
        modules_found.course_id,
        modules_found.family,
        modules_found.module_id_source,
        module_ids_parsed.module_id,
        module_ids_parsed.module_id_category,
        module_ids_parsed.module_id_block_name,
        modules_found.module_display_name
    from modules_found
    inner join module_ids_parsed
        on modules_found.module_id_logged = module_ids_parsed.module_id_logged
),

modules_categorized as (
    select
        event_id,
        course_id,
        module_id,
        case
            when module_id_source = 'commentable_id' then 'forum_topic'
            else coalesce(module_id_category, 'other')
        end as module_category,
        case
            when module_id_source = 'commentable_id' then module_id
            else coalesce(module_id_block_name, module_id)
        end as module_block_name,
        module_display_name,
        module_id_source
    from modules_normalized
)

select * from modules_categorized
