{#-
    End to end on the generated sample (events read from a file under
    samples/; on other logs this test checks nothing). Facts that follow
    from how loader/generate.py builds web sessions, not from our output:
    1. every courseware interaction of a web session happens on a
       courseware page the event logs (browser `page`, server `referer`),
       so each one gets a known sequence URL;
    2. a tab change (`seq_goto`/`seq_next`/`seq_prev`, both eras) puts the
       learner on its destination panel: its url ends with `/<new>/`;
    3. the generator moves the learner only by tab changes within a
       sequence, so two consecutive tab changes of one user on one
       sequence with no page view between chain: the second's origin is
       the first's destination;
    4. durations are >= 0, capped, and NULL only on a user's last event.
    Returns one row per violation.
-#}
with

staged as (
    select * from {{ ref('stg_tracking_log__events') }}
),

located as (
    select * from {{ ref('int_observed_events_panels_inherited') }}
),

observed as (
    select * from {{ ref('observed_events') }}
),

urls as (
    select * from {{ ref('urls') }}
),

sample_events as (
    select event_id
    from staged
    where source_file_name like '%/samples/%'
),

web_interactions_unlocated as (
    select
        'interaction without a sequence url' as violation,
        located.event_id
    from located
    inner join sample_events on located.event_id = sample_events.event_id
    where
        located.is_courseware_interaction
        and located.event_source in ('browser', 'server')
        and located.sequence_url is null
),

tab_changes_misplaced as (
    select
        'tab change not on its destination panel' as violation,
        observed.observed_event_id
    from observed
    inner join sample_events
        on observed.observed_event_id = sample_events.event_id
    inner join located
        on observed.observed_event_id = located.event_id
    left join urls on observed.url_id = urls.url_id
    where
        located.is_tab_change
        and located.destination_panel is not null
        and located.sequence_url is not null
        and coalesce(urls.url, '') not like
        '%/' || cast(located.destination_panel as text) || '/'
),

tab_changes_ordered as (
    select
        located.event_id,
        located.origin_tab,
        located.destination_panel,
        located.is_tab_change,
        located.family,
        lag(located.destination_panel) over (
            partition by
                located.trajectory_key, located.course_id, located.sequence_url
            order by
                located.event_at, located.same_instant_rank,
                located.event_id
        ) as previous_destination,
        lag(located.family) over (
            partition by
                located.trajectory_key, located.course_id, located.sequence_url
            order by
                located.event_at, located.same_instant_rank,
                located.event_id
        ) as previous_family
    from located
    inner join sample_events on located.event_id = sample_events.event_id
    where
        located.sequence_url is not null
        and (
            (located.is_tab_change and located.event_source = 'browser')
            or located.family = 'page_view'
        )
),

tab_changes_unchained as (
    select
        'tab change origin is not the previous destination' as violation,
        event_id
    from tab_changes_ordered
    where
        is_tab_change
        and previous_family = 'navigation'
        and previous_destination is not null
        and origin_tab <> previous_destination
),

durations_wrong as (
    select
        'duration out of bounds' as violation,
        observed.observed_event_id
    from observed
    inner join sample_events
        on observed.observed_event_id = sample_events.event_id
    where
        observed.observed_event_duration < 0
        or observed.observed_event_duration
        > {{ var('observed_event_duration_cap_seconds') }}
)

select * from web_interactions_unlocated
union all
select * from tab_changes_misplaced
union all
select * from tab_changes_unchained
union all
select * from durations_wrong
