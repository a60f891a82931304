{#-
    One row per answer a learner gave to a poll or survey question:
    `xblock.poll.submitted` (one question per poll, `choice`),
    `xblock.survey.submitted` (one row per member of `choices`, question
    name -> response name) and, before the poll XBlock, the core
    poll_question module's answer requests logged with their URL path as
    event_type (`/courses/<course>/modx/i4x://.../poll_question/<name>/
    <answer>`, or `.../xblock/<usage>/handler/xmodule_handler/<answer>`).
    Also the learners' feedback on an open response assessment's process
    (`openassessmentblock.submit_feedback_on_assessments`): one row per
    option ticked (question `options`) and one for the comment
    (`feedback_text`, learner free text under the free-text policy).
    The block is identified by its module id: `context.module.usage_key`
    when logged, else the usage key in context.path, else built from the
    course and `url_name`. Poll and survey choices, question names and ORA
    options are identifiers or labels written by the course team, not
    learner free text. `view_results` events are observed events.
-#}
{{ config(materialized='table') }}
with

events as (
    -- read by two CTEs, so Postgres materializes it: only the columns and
    -- rows (a superset of both CTEs' filters) they use
    select
        event_id,
        event_type,
        raw_event_type,
        event_at,
        user_id,
        course_id,
        context,
        context_path,
        event_payload,
        is_page_view_path
    from {{ ref('stg_tracking_log__events') }}
    where
        is_page_view_path
        or event_type in (
            'xblock.poll.submitted',
            'xblock.survey.submitted',
            'openassessmentblock.submit_feedback_on_assessments'
        )
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
            when event_type = 'xblock.survey.submitted' then 'survey'
            else 'ora_feedback'
        end as feedback_source,
        coalesce(
            {{ json_get_text('context', 'module', 'usage_key') }},
            {{ regex_extract(
                'context_path', '/xblock/(block-v1:[^/]+)/handler/'
            ) }},
            case
                when {{ regex_matches('course_id', '^course-v1:') }}
                    then
                        'block-v1:'
                        || {{ regex_extract('course_id', '^course-v1:(.*)$') }}
                        || '+type@'
                        || case
                            when event_type = 'xblock.poll.submitted' then 'poll'
                            else 'survey'
                        end
                        || '+block@'
                        || {{ json_get_text('event_payload', 'url_name') }}
                when {{ regex_matches('course_id', '^[^/]+/[^/]+/[^/]+$') }}
                    then
                        'i4x://'
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
    where
        event_type in (
            'xblock.poll.submitted',
            'xblock.survey.submitted',
            'openassessmentblock.submit_feedback_on_assessments'
        )
    {{ optimization_fence() }}
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
        block_name as question_content,
        'poll' as question_type,
        {{ json_get_text('event_payload', 'choice') }} as answer_raw,
        false as is_free_text
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
        choices.question_name as question_content,
        'survey' as question_type,
        choices.answer_raw,
        false as is_free_text
    from xblock_events
    {{ lateral_rows(
        json_object_text_entries(
            json_get('xblock_events.event_payload', 'choices')
        ),
        'choices', ['question_name', 'answer_raw']
    ) }}
    where xblock_events.feedback_source = 'survey'
),

assessment_options as (
    select
        xblock_events.event_id,
        xblock_events.event_type,
        xblock_events.event_at,
        xblock_events.user_id,
        xblock_events.course_id,
        xblock_events.feedback_source,
        xblock_events.module_id,
        xblock_events.block_name,
        'options' as question_name,
        'Options ticked about the assessment process' as question_content,
        'ora_feedback_option' as question_type,
        option_items.answer_raw,
        false as is_free_text
    from xblock_events
    {{ lateral_rows(
        json_array_text_items(
            json_get('xblock_events.event_payload', 'options')
        ),
        'option_items', ['answer_raw']
    ) }}
    where xblock_events.feedback_source = 'ora_feedback'
),

assessment_comments as (
    select
        event_id,
        event_type,
        event_at,
        user_id,
        course_id,
        feedback_source,
        module_id,
        block_name,
        'feedback_text' as question_name,
        'Comments about the assessment process' as question_content,
        'ora_feedback_text' as question_type,
        {{ json_get_text('event_payload', 'feedback_text') }} as answer_raw,
        true as is_free_text
    from xblock_events
    where feedback_source = 'ora_feedback'
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
    {{ optimization_fence() }}
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
        {{ regex_extract('module_id', '([^/@]+)$') }} as question_content,
        'poll_question' as question_type,
        dispatch as answer_raw,
        false as is_free_text
    from legacy_requests
    where dispatch not in ('get_state', 'reset_poll')
),

answers_unioned as (
    select * from poll_answers
    union all
    select * from survey_answers
    union all
    select * from assessment_options
    union all
    select * from assessment_comments
    union all
    select * from legacy_answers
),

answers_kept as (
    select
        *,
        coalesce(course_id, '') || '|' || module_id as block_key,
        case
            when is_free_text then {{ scrub_free_text('answer_raw') }}
            else answer_raw
        end as answer_content
    from answers_unioned
    where
        module_id is not null
        and nullif(trim(answer_raw), '') is not null
    {{ optimization_fence() }}
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
        question_content,
        question_type,
        answer_content,
        is_free_text,
        {{ hash_to_bigint('block_key') }} as survey_id,
        {{ hash_to_bigint("block_key || '|' || question_name") }}
            as question_id,
        -- a choice is one answer shared by all who chose it; a free-text
        -- answer is its own (and its id does not depend on the text)
        case
            when is_free_text
                then {{ hash_to_bigint(
                    "block_key || '|' || question_name || '|event:'"
                    ~ " || " ~ as_text('event_id')
                ) }}
            else {{ hash_to_bigint(
                "block_key || '|' || question_name || '|' || answer_raw"
            ) }}
        end as answer_id,
        -- an event answers a question once, but ticks several options
        {{ hash_to_bigint(
            as_text('event_id') ~ " || '|' || question_name || '|'"
            ~ " || case when is_free_text then '' else answer_raw end"
        ) }} as feedback_id
    from answers_kept
)

select * from final
