{#-
    Navigation shortcuts per sequence: panel visits, backward jumps,
    forward skips, and learners who skip straight to the problems — who
    arrive on a panel holding a problem (a panel where problem events were
    logged) while never having seen the panel just before it in that
    sequence (every panel they saw there so far is at least two lower, or
    none). Entering a sequence on its problem panel counts: Open edX sends
    a learner back to the last panel they visited, so a learner who saw
    panel 1 earlier and comes back on panel 3 is a skip only if they never
    saw panel 2. The rows with sequence_url '(all sequences)' pool the
    course. Sequences with fewer than var min_cell_size learners are
    suppressed, and counts of learners between 1 and that minimum - 1 too.
-#}
{%- set minimum = var('min_cell_size') -%}
with

transitions as (
    select * from {{ ref('course_team_panel_transitions') }}
),

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

problem_panels as (
    select distinct
        course_id,
        sequence_url,
        panel_number
    from stays
    where
        family = 'problem'
        and sequence_url is not null
        and panel_number is not null
),

transitions_with_highest_seen as (
    select
        *,
        max(panel_number) over (
            partition by user_id, sequence_url
            order by moved_at, observed_event_id
            rows between unbounded preceding and 1 preceding
        ) as highest_panel_seen_before
    from transitions
),

transitions_flagged as (
    select
        transitions_with_highest_seen.course_id,
        transitions_with_highest_seen.sequence_url,
        transitions_with_highest_seen.user_id,
        transitions_with_highest_seen.is_backward,
        transitions_with_highest_seen.is_forward_skip,
        (
            problem_panels.panel_number is not null
            and transitions_with_highest_seen.panel_number > 1
            and coalesce(
                transitions_with_highest_seen.highest_panel_seen_before, 0
            ) < transitions_with_highest_seen.panel_number - 1
        ) as is_skip_to_problem
    from transitions_with_highest_seen
    left join problem_panels
        on
            transitions_with_highest_seen.course_id = problem_panels.course_id
            and transitions_with_highest_seen.sequence_url
            = problem_panels.sequence_url
            and transitions_with_highest_seen.panel_number
            = problem_panels.panel_number
),

flagged_with_pooled as (
    select * from transitions_flagged
    union all
    select
        course_id,
        '(all sequences)' as sequence_url,
        user_id,
        is_backward,
        is_forward_skip,
        is_skip_to_problem
    from transitions_flagged
),

per_sequence as (
    select
        course_id,
        sequence_url,
        count(distinct user_id) as learners,
        count(*) as panel_visits,
        count(*) filter (where is_backward) as backward_jumps,
        count(*) filter (where is_forward_skip) as forward_skips,
        count(distinct user_id) filter (
            where is_skip_to_problem
        ) as learners_skipping_to_problems
    from flagged_with_pooled
    group by course_id, sequence_url
),

final as (
    select
        course_id,
        sequence_url,
        learners,
        panel_visits,
        backward_jumps,
        forward_skips,
        case
            when
                learners_skipping_to_problems = 0
                or learners_skipping_to_problems >= {{ minimum }}
                then learners_skipping_to_problems
        end as learners_skipping_to_problems,
        case
            when
                learners_skipping_to_problems = 0
                or learners_skipping_to_problems >= {{ minimum }}
                then learners_skipping_to_problems * 1.0 / learners
        end as share_skipping_to_problems
    from per_sequence
)

select * from final
where learners >= {{ minimum }}
