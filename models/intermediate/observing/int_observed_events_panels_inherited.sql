{#-
    One row per observed event, with the panel of the sequence it happened
    on after panel inheritance (thesis §3.3.2).

    Panel setters, per user, course and sequence: a tab change (`seq_goto`,
    `seq_next`, `seq_prev` and their 2016+ `edx.ui.lms.sequence.*` copies)
    sets its destination panel; a page view of the sequence sets the panel
    in its URL (`…/<sequence>/3`), or — when the URL has none — resets the
    panel to unknown: the platform then shows the learner's saved position,
    which is not in the logs (it is not always panel 1, so panel 1 is not
    assumed). Every other event on the sequence inherits the latest setter's
    panel, within var `location_inheritance_max_seconds`. A next/previous
    click past the last/first tab leaves the sequence: it sets nothing and
    is itself placed on the tab it was clicked from. Without a setter, an
    event whose own page URL names a panel keeps it (observed).

    Backward deduction: a tab change logs the tab it leaves (`old`,
    `current_tab`). So events after a reset (or before any setter) and
    before the next tab change on the same sequence — with no other setter
    between — were on that tab: they get it (`inherited`), within the same
    time bound. This covers the first panel after a page view, which the
    logs otherwise never show. Otherwise the panel is `_` (unknown), so
    courseware URLs keep one depth.
-#}
{%- set max_gap = var('location_inheritance_max_seconds') -%}
with

events as (
    select * from {{ ref('int_observed_events_urls_inherited') }}
),

setters_flagged as (
    select
        *,
        sequence_url is not null
        and is_location_seed
        and (
            (family = 'page_view' and not is_background_request)
            or (is_tab_change and destination_panel is not null)
        ) as is_panel_setter,
        case
            when is_tab_change and destination_panel is not null
                then destination_panel
            when family = 'page_view' then own_panel
        end as setter_panel
    from events
),

setter_groups as (
    select
        *,
        count(case when is_panel_setter then 1 end) over (
            partition by trajectory_key, course_id, sequence_url
            order by event_at, same_instant_rank, event_id
            rows between unbounded preceding and current row
        ) as panel_setter_group
    from setters_flagged
),

setters_found as (
    select
        *,
        first_value(setter_panel) over setter_group as group_setter_panel,
        first_value(event_at) over setter_group as group_setter_at
    from setter_groups
    window setter_group as (
        partition by trajectory_key, course_id, sequence_url, panel_setter_group
        order by event_at, same_instant_rank, event_id
    )
),

next_tab_change_groups as (
    -- rows up to and including a tab change share a group counted from the
    -- end: its tab change is the next one after them
    select
        *,
        count(case when is_tab_change then 1 end) over (
            partition by trajectory_key, course_id, sequence_url
            order by event_at desc, same_instant_rank desc, event_id desc
            rows between unbounded preceding and current row
        ) as next_tab_change_group
    from setters_found
),

next_tab_changes as (
    select
        *,
        first_value(
            case when is_tab_change then origin_tab end
        ) over next_group as next_origin_tab,
        first_value(
            case when is_tab_change then event_at end
        ) over next_group as next_tab_change_at,
        first_value(
            case when is_tab_change then panel_setter_group end
        ) over next_group as next_tab_change_setter_group,
        first_value(
            case when is_tab_change then is_panel_setter end
        ) over next_group as is_next_tab_change_setter
    from next_tab_change_groups
    window next_group as (
        partition by
            trajectory_key, course_id, sequence_url, next_tab_change_group
        order by event_at desc, same_instant_rank desc, event_id desc
    )
),

backward_panels as (
    -- the next tab change's origin, when no other setter comes before it
    select
        *,
        case
            when
                not is_tab_change
                and next_origin_tab is not null
                and event_source <> 'mobile'
                and (
                    next_tab_change_setter_group = panel_setter_group
                    or (
                        next_tab_change_setter_group = panel_setter_group + 1
                        and is_next_tab_change_setter
                    )
                )
                and {{ seconds_between('event_at', 'next_tab_change_at') }}
                <= {{ max_gap }}
                then next_origin_tab
        end as backward_panel
    from next_tab_changes
),

panels_sourced as (
    -- where the panel comes from, first that applies
    select
        *,
        case
            when sequence_url is null then null
            when is_panel_setter and setter_panel is not null then 'setter'
            when
                is_sequence_exit and own_url_kind = 'sequence'
                and origin_tab is not null then 'exit_origin'
            when
                not is_panel_setter
                and panel_setter_group > 0
                and group_setter_panel is not null
                and event_source <> 'mobile'
                and {{ seconds_between('group_setter_at', 'event_at') }}
                <= {{ max_gap }}
                then 'forward'
            when
                not is_panel_setter
                and own_sequence_url = sequence_url
                and own_panel is not null then 'own_url'
            when backward_panel is not null then 'backward'
        end as panel_source
    from backward_panels
),

panels_resolved as (
    select
        *,
        case panel_source
            when 'setter' then setter_panel
            when 'exit_origin' then origin_tab
            when 'forward' then group_setter_panel
            when 'own_url' then own_panel
            when 'backward' then backward_panel
        end as panel_number,
        case
            when sequence_url is null then null
            when panel_source in ('setter', 'exit_origin', 'own_url')
                then 'observed'
            when panel_source in ('forward', 'backward') then 'inherited'
            else 'unknown'
        end as panel_inference
    from panels_sourced
)

select * from panels_resolved
