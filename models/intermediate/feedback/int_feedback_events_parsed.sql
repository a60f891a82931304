{#-
    One row per answer a learner gave to a poll or survey question:
    `xblock.poll.submitted` (one question per poll, `choice`),
    `xblock.survey.submitted` (one row per member of `choices`, question
    name -> response name) and, before the poll XBlock, the core
    poll_question module's answer requests logged with their URL path as
    event_type (`/courses/<course>/modx/i4x://.../poll_question/<name>/
    <answer>`, or `.../xblock/<usage>/handler/xmodule_handler/<answer>`).
    The block is identified by its module id: `context.module.usage_key`
    when logged, else built from the course and `url_name`. Choices and
    question names are identifiers written by the course team, not learner
    free text. `view_results` events are observed events, not here.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

xblock_events as (
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        event_payload,
        case
            when event_type = 'xblock.poll.submitted' then 'poll'
            else 'survey'
        end as feedback_source,
        coalesce(
            {{ json_get_text('context', 'module', 'usage_key') }},
            case
                when {{ regex_matches('course_id', '^course-v1:') }}
                    then 'block-v1:'
                    || {{ regex_extract('course_id', '^course-v1:(.*)$') }}
                    || '+type@'
                    || case
                        when event_type = 'xblock.poll.submitted' then 'poll'
                        else 'survey'
                    end
                    || '+block@'
                    || {{ json_get_text('event_payload', 'url_name') }}
                when {{ regex_matches('course_id', '^[^/]+/[^/]+/[^/]+$') }}
                    then 'i4x://'
                    || {{ regex_extract('course_id', '^([^/]+/[^/]+)/') }}
                    || case
                        when event_type = 'xblock.poll.submitted'
                            then '/poll/'
                        else '/survey/'
                    end
                    || {{ json_get_text('event_payload', 'url_name') }}
            end
        ) as module_id,
        coalesce(
            {{ json_get_text('context', 'module', 'display_name') }},
            {{ json_get_text('event_payload', 'url_name') }}
        ) as block_name
    from events
    where event_type in ('xblock.poll.submitted', 'xblock.survey.submitted')
),

poll_answers as (
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        feedback_source,
        module_id,
        block_name,
        'poll' as question_name,
        {{ json_get_text('event_payload', 'choice') }} as answer_content
    from xblock_events
    where feedback_source = 'poll'
),

survey_answers as (
    select
        xblock_events.event_id,
        xblock_events.event_type,
        xblock_events.event_at,
        xblock_events.user_id,
        xblock_events.course_id,
        xblock_events.feedback_source,
        xblock_events.module_id,
        xblock_events.block_name,
        choices.question_name,
        choices.answer_content
    from xblock_events
    cross join lateral
        {{ json_object_entries(
            json_get('xblock_events.event_payload', 'choices')
        ) }} as choices (question_name, answer_content)
    where xblock_events.feedback_source = 'survey'
),

legacy_requests as (
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        'poll_question' as feedback_source,
        coalesce(
            {{ regex_extract(
                'raw_event_type',
                '/modx/(i4x://[^/]+/[^/]+/poll_question/[^/]+)/[^/]+/?$'
            ) }},
            {{ regex_extract(
                'raw_event_type',
                '/xblock/(block-v1:[^/]+type@poll_question[^/]+)/handler/'
                ~ 'xmodule_handler/[^/]+/?$'
            ) }}
        ) as module_id,
        {{ regex_extract('raw_event_type', '/([^/]+)/?$') }} as dispatch
    from events
    where
        is_page_view_path
        and {{ regex_matches(
            'raw_event_type',
            '(/modx/i4x://[^/]+/[^/]+/poll_question/[^/]+/[^/]+/?$)|'
            ~ '(/xblock/block-v1:[^/]+type@poll_question[^/]+/handler/'
            ~ 'xmodule_handler/[^/]+/?$)'
        ) }}
),

legacy_answers as (
    -- any dispatch but the state queries is the id of the answer chosen
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        feedback_source,
        module_id,
        {{ regex_extract('module_id', '([^/@]+)$') }} as block_name,
        'poll' as question_name,
        dispatch as answer_content
    from legacy_requests
    where dispatch not in ('get_state', 'reset_poll')
),

answers_unioned as (
    select * from poll_answers
    union all
    select * from survey_answers
    union all
    select * from legacy_answers
),

answers_kept as (
    select
        *,
        coalesce(course_id, '') || '|' || module_id as block_key
    from answers_unioned
    where
        module_id is not null
        and nullif(answer_content, '') is not null
),

final as (
    -- the MOOCdb ids, from natural keys (see the feedback doc block)
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        feedback_source,
        module_id,
        block_name,
        question_name,
        answer_content,
        {{ hash_to_bigint('block_key') }} as survey_id,
        {{ hash_to_bigint("block_key || '|' || question_name") }}
            as question_id,
        {{ hash_to_bigint(
            "block_key || '|' || question_name || '|' || answer_content"
        ) }} as answer_id,
        {{ hash_to_bigint(
            "cast(event_id as text) || '|' || question_name"
        ) }} as feedback_id
    from answers_kept
)

select * from final
