{#-
    MOOCdb surveys: one row per poll or survey block that learners answered
    (per course and module id). The logs do not carry when a survey opens
    or closes: the timestamps are the first and last answers observed.
-#}
with

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

blocks_named as (
    -- the block's name as last logged
    select
        survey_id,
        feedback_source,
        block_name,
        row_number() over (
            partition by survey_id
            order by event_at desc nulls first, event_id desc
        ) as recency_number
    from feedback_answers
),

blocks_aggregated as (
    select
        survey_id,
        course_id,
        module_id,
        min(event_at) as first_answer_at,
        max(event_at) as last_answer_at
    from feedback_answers
    group by survey_id, course_id, module_id
),

final as (
    select
        blocks_aggregated.survey_id,
        blocks_aggregated.first_answer_at as survey_start_timestamp,
        blocks_aggregated.last_answer_at as survey_end_timestamp,
        blocks_aggregated.course_id,
        blocks_aggregated.module_id,
        blocks_named.feedback_source as survey_type,
        blocks_named.block_name as survey_name
    from blocks_aggregated
    inner join blocks_named
        on
            blocks_aggregated.survey_id = blocks_named.survey_id
            and blocks_named.recency_number = 1
)

select * from final
