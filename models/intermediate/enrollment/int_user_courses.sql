{#-
    One row per user and course: every (user, course) pair of the logs and
    every enrollment attributed to a learner. Carries the enrollment
    (first activation, last activation/deactivation, mode), the last
    course grade calculated, the user's type in the course (the most
    privileged role the forum events or batch enrollments show, else
    Student) and the user's first and last event in the course.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

enrollment_events as (
    select * from {{ ref('int_enrollment_events_parsed') }}
),

edx_ids as (
    select * from {{ ref('int_users_edx_ids') }}
),

grade_events as (
    select * from {{ ref('int_course_grade_events_parsed') }}
),

forum_roles as (
    select * from {{ ref('int_forum_roles_parsed') }}
),

role_types as (
    select * from {{ ref('lookup_user_role_types') }}
),

event_type_mapping as (
    select * from {{ ref('event_type_mapping') }}
),

activity as (
    select
        user_id,
        course_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    where user_id is not null and course_id is not null
    group by user_id, course_id
),

enrollments_attributed as (
    -- the learner enrolled: the owner of the payload's numeric id, else
    -- (id never seen with a username) the actor unless the actor is a
    -- team member enrolling someone else
    select
        enrollment_events.*,
        case
            when enrollment_events.is_on_behalf then edx_ids.user_id
            else coalesce(edx_ids.user_id, enrollment_events.actor_user_id)
        end as user_id
    from enrollment_events
    left join edx_ids
        on enrollment_events.enrolled_edx_user_id = edx_ids.edx_user_id
    where enrollment_events.course_id is not null
),

status_changes_ranked as (
    select
        user_id,
        course_id,
        enrollment_action,
        event_at,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc, event_id desc
        ) as recency_number
    from enrollments_attributed
    where
        user_id is not null
        and enrollment_action in ('activated', 'deactivated')
),

modes_ranked as (
    select
        user_id,
        course_id,
        enrollment_mode,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc, event_id desc
        ) as recency_number
    from enrollments_attributed
    where
        user_id is not null
        and enrollment_mode is not null
        and enrollment_action in (
            'activated', 'deactivated', 'mode_changed', 'upgrade_succeeded'
        )
),

enrollments_aggregated as (
    select
        user_id,
        course_id,
        min(event_at) filter (
            where enrollment_action = 'activated'
        ) as first_activated_at,
        max(event_at) filter (
            where enrollment_action = 'deactivated'
        ) as last_deactivated_at
    from enrollments_attributed
    where user_id is not null
    group by user_id, course_id
),

grades_attributed as (
    -- the learner graded: as for enrollments (a grade is often computed
    -- in a background task or on a team member's rescore)
    select
        grade_events.*,
        case
            when grade_events.is_on_behalf then edx_ids.user_id
            else coalesce(edx_ids.user_id, grade_events.actor_user_id)
        end as user_id
    from grade_events
    left join edx_ids
        on grade_events.graded_edx_user_id = edx_ids.edx_user_id
),

grades_ranked as (
    select
        user_id,
        course_id,
        course_grade,
        letter_grade,
        event_at,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc, event_id desc
        ) as recency_number
    from grades_attributed
    where
        user_id is not null
        and course_id is not null
        and course_grade is not null
),

forum_roles_typed as (
    select
        forum_roles.user_id,
        forum_roles.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from forum_roles
    inner join role_types
        on forum_roles.role_source = role_types.role_source
        and forum_roles.role_name = role_types.role_name
    where forum_roles.user_id is not null and forum_roles.course_id is not null
),

batch_enrollers_typed as (
    -- batch enrollments are made by course admins or staff
    select
        enrollment_events.actor_user_id as user_id,
        enrollment_events.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from enrollment_events
    inner join role_types
        on role_types.role_source = 'enrollment_on_behalf'
    where
        enrollment_events.is_on_behalf
        and enrollment_events.actor_user_id is not null
        and enrollment_events.course_id is not null
),

team_events as (
    -- events only the course team can cause (family course_team of the
    -- mapping seed, and the event types the role seed names)
    select distinct
        events.user_id,
        events.course_id,
        events.event_type,
        event_type_mapping.family
    from events
    inner join event_type_mapping
        on events.event_type = event_type_mapping.event_type
    where
        events.user_id is not null
        and events.course_id is not null
        and not events.is_anonymous
),

team_events_typed as (
    select
        team_events.user_id,
        team_events.course_id,
        role_types.user_type_id,
        role_types.role_precedence
    from team_events
    inner join role_types
        on (
            role_types.role_source = 'event_family'
            and team_events.family = role_types.role_name
        )
        or (
            role_types.role_source = 'event_type'
            and team_events.event_type = role_types.role_name
        )
),

roles_typed as (
    select * from forum_roles_typed
    union all
    select * from batch_enrollers_typed
    union all
    select * from team_events_typed
),

roles_ranked as (
    select
        user_id,
        course_id,
        user_type_id,
        row_number() over (
            partition by user_id, course_id
            order by role_precedence, user_type_id
        ) as role_rank
    from roles_typed
),

pairs as (
    select user_id, course_id from activity
    union
    select user_id, course_id
    from enrollments_attributed
    where user_id is not null
),

final as (
    select
        pairs.user_id,
        pairs.course_id,
        coalesce(roles_ranked.user_type_id, 4) as user_type_id,
        enrollments_aggregated.first_activated_at,
        enrollments_aggregated.last_deactivated_at,
        status_changes_ranked.enrollment_action = 'activated'
            as is_enrolled,
        modes_ranked.enrollment_mode,
        grades_ranked.course_grade,
        grades_ranked.letter_grade,
        grades_ranked.event_at as course_grade_at,
        activity.first_event_at,
        activity.last_event_at
    from pairs
    left join activity
        on pairs.user_id = activity.user_id
        and pairs.course_id = activity.course_id
    left join enrollments_aggregated
        on pairs.user_id = enrollments_aggregated.user_id
        and pairs.course_id = enrollments_aggregated.course_id
    left join status_changes_ranked
        on pairs.user_id = status_changes_ranked.user_id
        and pairs.course_id = status_changes_ranked.course_id
        and status_changes_ranked.recency_number = 1
    left join modes_ranked
        on pairs.user_id = modes_ranked.user_id
        and pairs.course_id = modes_ranked.course_id
        and modes_ranked.recency_number = 1
    left join grades_ranked
        on pairs.user_id = grades_ranked.user_id
        and pairs.course_id = grades_ranked.course_id
        and grades_ranked.recency_number = 1
    left join roles_ranked
        on pairs.user_id = roles_ranked.user_id
        and pairs.course_id = roles_ranked.course_id
        and roles_ranked.role_rank = 1
)

select * from final
