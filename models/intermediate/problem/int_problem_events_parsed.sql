{#-
    One row per staged problem-family event (every capa problem event
    variant of both id eras, see the doc block `problem_family`): the
    payload fields the submitting mode needs, typed, read once. JSON
    sub-objects that are expanded per question later (answers,
    correct_map, submission) are kept as JSON.
-#}
{{ config(
    materialized='table',
    post_hook="{{ refresh_statistics(this) }}",
) }}

with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

pseudonym_key as (
    select * from {{ source('tracking_log', 'pseudonym_key') }}
),

problem_events as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        user_id,
        is_anonymous,
        edx_user_id,
        course_id,
        page_url,
        session_id,
        agent,
        ip,
        event_payload_format,
        event_payload_text,
        event_payload,
        context
    from events
    -- every variant of the family: macro problem_family_event_types
    where event_type in (
        {%- for event_type in problem_family_event_types() %}
            '{{ event_type }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
),

payload_fields as (
    -- the payload's and the context's members are read in one pass each
    select
        problem_events.event_id,
        problem_events.event_type,
        problem_events.event_source,
        problem_events.event_at,
        problem_events.user_id,
        problem_events.is_anonymous,
        problem_events.edx_user_id,
        problem_events.course_id,
        problem_events.page_url,
        problem_events.session_id,
        problem_events.agent,
        problem_events.ip,
        problem_events.event_payload_format,
        coalesce(
            case
                when {{ json_type('payload.problem_id') }} = 'string'
                    then {{ json_as_text('payload.problem_id') }}
            end,
            case
                when {{ json_type('payload.module_id') }} = 'string'
                    then {{ json_as_text('payload.module_id') }}
            end,
            {{ json_get_text('context_members.module', 'usage_key') }},
            case
                when {{ json_type('payload.problem') }} = 'string'
                    then {{ json_as_text('payload.problem') }}
            end
        ) as edx_problem_id,
        {{ json_get_text('context_members.module', 'display_name') }}
            as module_display_name,
        {{ json_number('payload.attempts') }} as attempts_number,
        {{ json_number('payload.grade') }} as grade,
        {{ json_number('payload.max_grade') }} as max_grade,
        {{ json_number('payload.new_score') }} as new_score,
        {{ json_number('payload.new_total') }} as new_total,
        {{ json_number('payload.weight') }} as weight,
        {{ json_number('payload.weighted_earned') }} as weighted_earned,
        {{ json_number('payload.weighted_possible') }} as weighted_possible,
        {{ json_number('payload.new_weighted_earned') }}
            as new_weighted_earned,
        {{ json_number('payload.new_weighted_possible') }}
            as new_weighted_possible,
        -- grade events name the learner by numeric id in event.user_id
        {{ json_number('payload.user_id') }} as payload_edx_user_id,
        case
            when {{ json_type('payload.success') }} = 'string'
                then {{ json_as_text('payload.success') }}
        end as success,
        case
            when {{ json_type('payload.failure') }} = 'string'
                then {{ json_as_text('payload.failure') }}
        end as failure,
        case
            when {{ json_type('payload.student') }} = 'string'
                then nullif(trim({{ json_as_text('payload.student') }}), '')
        end as rescored_username,
        case
            -- resets log the answers being cleared in old_state
            when
                problem_events.event_type
                in ('reset_problem', 'reset_problem_fail')
                then {{ json_get('payload.old_state', 'student_answers') }}
            else payload.answers
        end as answers_json,
        -- XBlock answers name no input: the drop (item, zone, number) or
        -- the chosen option (the rationale, free text, is not kept)
        case
            when
                problem_events.event_type
                = 'edx.drag_and_drop_v2.item.dropped'
                then {{ json_as_text(json_pick(
                    'problem_events.event_payload',
                    ['item_id', 'location_id', 'location', 'input']
                )) }}
            when problem_events.event_type like 'ubc.peer_instruction.%'
                then {{ json_as_text('payload.answer') }}
        end as xblock_answer_text,
        payload.correct_map as correct_map_json,
        payload.submission as submission_json,
        -- browser events carry the problem form, URL-encoded: as the whole
        -- payload string, as `answers` of an object (problem_reset), or as
        -- the first element of a list ([answers, html], problem_graded)
        case
            when problem_events.event_source <> 'browser' then null
            -- a form JSON-encoded once more ("\"input_…=…\"")
            when
                problem_events.event_payload_format in ('form_encoded', 'string')
                and {{ regex_matches(
                    'problem_events.event_payload_text', '^"input_.*"$'
                ) }}
                and {{ is_valid_json('problem_events.event_payload_text') }}
                then {{ json_as_text(
                    parse_json('problem_events.event_payload_text')
                ) }}
            when
                problem_events.event_payload_format
                in ('form_encoded', 'string')
                then problem_events.event_payload_text
            when {{ json_type('payload.answers') }} = 'string'
                then {{ json_as_text('payload.answers') }}
            when
                problem_events.event_payload_format = 'list'
                and {{ regex_matches(
                    json_get_text('problem_events.event_payload', '0'),
                    '^[^][{]+=.*'
                ) }}
                then {{ json_get_text('problem_events.event_payload', '0') }}
        end as form_text
    from problem_events
    {{ lateral_json_record(
        'problem_events.event_payload',
        'payload',
        [
            'problem_id', 'module_id', 'problem', 'attempts', 'grade',
            'max_grade', 'new_score', 'new_total', 'weight',
            'weighted_earned', 'weighted_possible', 'new_weighted_earned',
            'new_weighted_possible', 'user_id', 'success', 'failure',
            'student', 'old_state', 'answers', 'answer', 'correct_map',
            'submission',
        ]
    ) }}
    {{ lateral_json_record(
        'problem_events.context', 'context_members', ['module']
    ) }}
),

learner_ids_ranked as (
    -- the pseudonymous user of a numeric Open edX user id, from the
    -- learner's own problem events (the latest, should a name change)
    select
        edx_user_id,
        user_id,
        row_number() over (
            partition by edx_user_id
            order by event_at desc nulls first, event_id desc
        ) as learner_rank
    from problem_events
    where
        edx_user_id is not null
        and user_id is not null
        and not is_anonymous
        and event_type not in (
            'problem_rescore',
            'problem_rescore_fail',
            'edx.grades.problem.rescored',
            'edx.grades.problem.score_overridden'
        )
),

events_with_learner as (
    -- rescores are logged by the staff member who rescored: the learner is
    -- `student` (problem_rescore: a username, pseudonymized exactly as
    -- staging does) or event.user_id (edx.grades.*: a numeric id)
    select
        payload_fields.*,
        case
            when payload_fields.rescored_username is not null
                then {{ hash_to_bigint(hmac_sha256_hex(
                    "'user:' || payload_fields.rescored_username",
                    'pseudonym_key.inner_key',
                    'pseudonym_key.outer_key'
                )) }}
            when payload_fields.event_type in (
                'edx.grades.problem.rescored',
                'edx.grades.problem.score_overridden'
            ) then learner_ids_ranked.user_id
            else payload_fields.user_id
        end as learner_user_id
    from payload_fields
    cross join pseudonym_key
    left join learner_ids_ranked
        on
            payload_fields.payload_edx_user_id = learner_ids_ranked.edx_user_id
            and learner_ids_ranked.learner_rank = 1
),

events_classified as (
    select
        *,
        case
            when {{ regex_matches('edx_problem_id', '^(i4x://|block-v1:)') }}
                then trim(edx_problem_id)
        end as problem_module_id,
        case
            when
                event_type in ('problem_check', 'save_problem_check')
                and event_source = 'server' then 'check'
            when event_type in ('problem_check', 'problem_graded')
                then 'check'
            when event_type in (
                'problem_check_fail', 'save_problem_check_fail'
            ) then 'check_failed'
            when event_type in ('problem_save', 'save_problem_success')
                then 'save'
            when event_type = 'save_problem_fail' then 'save_failed'
            when event_type in ('problem_reset', 'reset_problem')
                then 'reset'
            when event_type = 'reset_problem_fail' then 'reset_failed'
            when event_type = 'edx.grades.problem.submitted' then 'score'
            when event_type = 'problem_rescore' then 'rescore'
            when event_type in (
                'edx.grades.problem.rescored',
                'edx.grades.problem.score_overridden'
            ) then 'score_change'
            when event_type in (
                'edx.drag_and_drop_v2.item.dropped',
                'ubc.peer_instruction.original_submitted',
                'ubc.peer_instruction.revised_submitted'
            ) then 'answer'
            else 'observing_only'
        end as problem_action,
        case
            when event_type in (
                'problem_check', 'save_problem_check', 'problem_graded',
                'edx.grades.problem.submitted',
                'edx.drag_and_drop_v2.item.dropped',
                'ubc.peer_instruction.original_submitted',
                'ubc.peer_instruction.revised_submitted'
            ) then 1
            when event_type in ('problem_save', 'save_problem_success')
                then 0
            when event_type in (
                'problem_check_fail', 'save_problem_check_fail',
                'save_problem_fail'
            ) then 2
            when event_type in ('problem_reset', 'reset_problem') then 3
        end as submission_is_submitted
    from events_with_learner
),

old_course_keys as (
    -- 2012-2013 server events often have no course id (no context, page
    -- `x_module`); their i4x module id names org and course but not the
    -- run, which is taken from the other problem events when only one run
    -- of that org/course is seen
    select
        {{ regex_extract('course_id', '^([^/]+/[^/]+)/[^/]+$') }}
            as org_course,
        min(course_id) as course_id,
        count(distinct course_id) as runs_count
    from events_classified
    where {{ regex_matches('course_id', '^[^/]+/[^/]+/[^/]+$') }}
    group by 1
),

events_with_course as (
    select
        events_classified.*,
        coalesce(
            events_classified.course_id,
            case
                when old_course_keys.runs_count = 1
                    then old_course_keys.course_id
            end
        ) as problem_course_id,
        case
            when events_classified.course_id is not null then 'event'
            when old_course_keys.runs_count = 1 then 'module_id'
            else 'none'
        end as course_id_origin
    from events_classified
    left join old_course_keys
        on
            events_classified.course_id is null
            and old_course_keys.org_course = {{ regex_extract(
            'events_classified.problem_module_id', '^i4x://([^/]+/[^/]+)/'
        ) }}
),

final as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        learner_user_id as user_id,
        user_id as actor_user_id,
        edx_user_id,
        is_anonymous,
        problem_course_id as course_id,
        course_id_origin,
        page_url,
        session_id,
        agent,
        ip,
        event_payload_format,
        problem_action,
        submission_is_submitted,
        edx_problem_id,
        problem_module_id,
        module_display_name,
        cast(attempts_number as integer) as attempts,
        case
            when event_type = 'problem_rescore' then new_score
            when event_type = 'edx.grades.problem.submitted'
                then weighted_earned
            when problem_action = 'score_change' then new_weighted_earned
            else grade
        end as event_grade,
        case
            when event_type = 'problem_rescore' then new_total
            when event_type = 'edx.grades.problem.submitted'
                then weighted_possible
            when problem_action = 'score_change'
                then new_weighted_possible
            else max_grade
        end as event_max_grade,
        -- the problem's weight: event.weight, else the weighted points it
        -- is worth (weighted_possible, its weight when one is set)
        case
            when event_type = 'edx.grades.problem.submitted'
                then coalesce(weight, weighted_possible)
        end as problem_weight,
        success,
        failure,
        answers_json,
        correct_map_json,
        submission_json,
        form_text,
        xblock_answer_text
    from events_with_course
)

select * from final
