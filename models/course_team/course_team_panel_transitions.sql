{#-
    One row per panel visit of a learner in a courseware sequence: the
    panel the learner arrives on and the panel of the same sequence they
    came from (NULL when they enter the sequence from elsewhere). Events
    on one panel in a row are one visit; pages outside the courseware in
    between do not break a visit chain (a learner who opens the progress
    page between panels 2 and 3 moved 2 → 3). Read per sequence as a
    Markov chain (thesis §3.3.4): from_panel_number → panel_number.
-#}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

panel_events as (
    select
        observed_event_id,
        user_id,
        course_id,
        sequence_url,
        panel_number,
        event_at
    from stays
    where
        sequence_url is not null
        and panel_number is not null
),

panel_events_with_previous as (
    select
        *,
        lag(sequence_url) over (
            partition by user_id
            order by event_at, observed_event_id
        ) as previous_sequence_url,
        lag(panel_number) over (
            partition by user_id
            order by event_at, observed_event_id
        ) as previous_panel_number
    from panel_events
),

panel_visits as (
    select
        observed_event_id,
        user_id,
        course_id,
        sequence_url,
        panel_number,
        event_at
    from panel_events_with_previous
    where
        previous_sequence_url is null
        or previous_sequence_url != sequence_url
        or previous_panel_number != panel_number
),

panel_visits_with_previous as (
    select
        *,
        lag(sequence_url) over (
            partition by user_id
            order by event_at, observed_event_id
        ) as previous_sequence_url,
        lag(panel_number) over (
            partition by user_id
            order by event_at, observed_event_id
        ) as previous_panel_number
    from panel_visits
),

transitions as (
    select
        observed_event_id,
        user_id,
        course_id,
        sequence_url,
        case
            when previous_sequence_url = sequence_url
                then previous_panel_number
        end as from_panel_number,
        panel_number,
        event_at as moved_at
    from panel_visits_with_previous
),

final as (
    select
        *,
        coalesce(panel_number < from_panel_number, false) as is_backward,
        coalesce(panel_number > from_panel_number + 1, false)
            as is_forward_skip
    from transitions
)

select * from final
