{#-
    The event-type mapping seed is the one place that says which event
    types feed collaborations and feedbacks: an edx.forum.* type becomes a
    collaboration exactly when its seed row lists `collaborations`, and
    every documented event type found in feedbacks is mapped to
    `feedbacks`. (Pre-2015 URL-path requests, event type page_view, are
    classified by their path and are not concerned.) Fails with one row per
    disagreeing event type.
-#}
with

mapping as (
    select * from {{ ref('event_type_mapping') }}
),

forum_events as (
    select * from {{ ref('int_forum_events_parsed') }}
),

feedback_answers as (
    select * from {{ ref('int_feedback_events_parsed') }}
),

forum_types as (
    select
        event_type,
        bool_or(is_collaboration) as is_collaboration
    from forum_events
    where forum_era = 'current'
    group by event_type
),

forum_disagreements as (
    select
        forum_types.event_type,
        'collaborations' as moocdb_table,
        forum_types.is_collaboration as built,
        coalesce(
            mapping.moocdb_tables like '%collaborations%', false
        ) as mapped
    from forum_types
    left join mapping
        on forum_types.event_type = mapping.event_type
),

feedback_disagreements as (
    select distinct
        feedback_answers.event_type,
        'feedbacks' as moocdb_table,
        true as built,
        coalesce(mapping.moocdb_tables like '%feedbacks%', false) as mapped
    from feedback_answers
    left join mapping
        on feedback_answers.event_type = mapping.event_type
    where feedback_answers.event_type <> 'page_view'
),

final as (
    select * from forum_disagreements
    where built <> mapped
    union all
    select * from feedback_disagreements
    where built <> mapped
)

select * from final
