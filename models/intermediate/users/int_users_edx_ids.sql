{#-
    One row per Open edX numeric user id (`context.user_id`) seen with a
    username: the MOOCdb user_id (hash of the pseudonym) it belongs to, the
    most frequent when logs disagree (ties: the smallest user_id). Lets a
    payload that names a learner only by numeric id (an enrollment made by
    a course team member) be attributed to the learner's pseudonym.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

pairs_counted as (
    select
        edx_user_id,
        user_id,
        count(*) as events_count
    from events
    where
        edx_user_id is not null
        and user_id is not null
        and not is_anonymous
    group by edx_user_id, user_id
),

pairs_ranked as (
    select
        *,
        row_number() over (
            partition by edx_user_id
            order by events_count desc, user_id asc
        ) as pair_rank
    from pairs_counted
),

final as (
    select
        edx_user_id,
        user_id,
        events_count
    from pairs_ranked
    where pair_rank = 1
)

select * from final
