{#-
    MOOCdb feedbacks: one row per answer a learner gave to a poll or survey
    question (a survey submission gives one row per question).
-#}
with

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

final as (
    select
        feedback_id,
        user_id,
        answer_id,
        question_id,
        event_at as feedback_timestamp,
        course_id,
        event_id as source_event_id
    from feedback_answers
)

select * from final
