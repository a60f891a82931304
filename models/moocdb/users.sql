{#-
    MOOCdb users: one row per pseudonymous user seen in any event of the
    logs (so every user_id of every mart, all taken from staging, is here),
    plus the automatic grader. What the logs cannot tell (gender, birth
    date, country, time zone, screen resolution) stays NULL.
-#}
with

activity as (
    select * from {{ ref('int_users_activity') }}
),

user_courses as (
    select * from {{ ref('int_user_courses') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_parsed') }}
),

user_roles as (
    select * from {{ ref('int_user_roles') }}
),

course_joins_ranked as (
    -- a course is joined at its enrollment activation, else (no enrollment
    -- event logged, as before Dec 2013) at the user's first event in it
    select
        user_id,
        coalesce(first_activated_at, first_event_at) as joined_at,
        case
            when first_activated_at is not null then 'enrollment'
            else 'first_event'
        end as join_origin,
        row_number() over (
            partition by user_id
            order by
                coalesce(first_activated_at, first_event_at), course_id
        ) as join_rank
    from user_courses
    where coalesce(first_activated_at, first_event_at) is not null
),

courses_summarized as (
    select
        user_id,
        count(course_grade) as graded_courses_count,
        max(course_grade) as course_grade_if_single
    from user_courses
    group by user_id
),

roles_ranked as (
    -- the most privileged type the logs show, in any course or none
    select
        user_id,
        user_type_id,
        row_number() over (
            partition by user_id
            order by role_precedence, user_type_id
        ) as role_rank
    from user_roles
),

learners as (
    select
        activity.user_id,
        activity.user_pseudonym as user_name,
        cast(null as {{ type_text() }}) as user_gender,
        cast(null as date) as user_birthdate,
        cast(null as {{ type_text() }}) as user_country,
        activity.most_frequent_ip as user_ip,
        cast(null as integer) as user_timezone_offset,
        case
            when courses_summarized.graded_courses_count = 1
                then courses_summarized.course_grade_if_single
        end as user_final_grade,
        coalesce(
            course_joins_ranked.joined_at, activity.first_event_at
        ) as user_join_timestamp,
        user_agents.os_id as user_os,
        user_agents.agent_id as user_agent,
        activity.most_frequent_language as user_language,
        cast(null as {{ type_text() }}) as user_screen_resolution,
        cast(coalesce(roles_ranked.user_type_id, 4) as bigint)
            as user_type_id,
        activity.is_anonymous,
        coalesce(course_joins_ranked.join_origin, 'first_event')
            as user_join_origin,
        activity.first_event_at as user_first_event_timestamp,
        activity.last_event_at as user_last_event_timestamp
    from activity
    left join courses_summarized
        on activity.user_id = courses_summarized.user_id
    left join course_joins_ranked
        on
            activity.user_id = course_joins_ranked.user_id
            and course_joins_ranked.join_rank = 1
    left join roles_ranked
        on
            activity.user_id = roles_ranked.user_id
            and roles_ranked.role_rank = 1
    -- the os and browser of the user's most frequent agent string
    left join user_agents
        on activity.most_frequent_agent = user_agents.user_agent
),

automatic_grader as (
    select
        {{ hash_to_bigint("'automatic-grader'") }} as user_id,
        'automatic-grader' as user_name,
        cast(null as {{ type_text() }}) as user_gender,
        cast(null as date) as user_birthdate,
        cast(null as {{ type_text() }}) as user_country,
        cast(null as {{ type_ip() }}) as user_ip,
        cast(null as integer) as user_timezone_offset,
        cast(null as {{ type_double() }}) as user_final_grade,
        cast(null as timestamp) as user_join_timestamp,
        cast(null as bigint) as user_os,
        cast(null as bigint) as user_agent,
        cast(null as {{ type_text() }}) as user_language,
        cast(null as {{ type_text() }}) as user_screen_resolution,
        cast(10 as bigint) as user_type_id,
        false as is_anonymous,
        cast(null as {{ type_text() }}) as user_join_origin,
        cast(null as timestamp) as user_first_event_timestamp,
        cast(null as timestamp) as user_last_event_timestamp
),

final as (
    select * from learners
    union all
    select * from automatic_grader
)

select * from final
