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
    event whose own page URL names a panel keeps it (observed); otherwise
    the panel is `_` (unknown), so courseware URLs keep one depth.
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

panels_resolved as (
    select
        *,
        case
            when sequence_url is null then null
            when is_panel_setter then setter_panel
            when is_sequence_exit
                and own_url_kind = 'sequence' then origin_tab
            when panel_setter_group > 0
                and group_setter_panel is not null
                and event_source <> 'mobile'
                and {{ seconds_between('group_setter_at', 'event_at') }}
                <= {{ max_gap }}
                then group_setter_panel
            when own_sequence_url = sequence_url then own_panel
        end as panel_number,
        case
            when sequence_url is null then null
            when is_panel_setter and setter_panel is not null then 'observed'
            when is_panel_setter then 'unknown'
            when is_sequence_exit
                and own_url_kind = 'sequence'
                and origin_tab is not null then 'observed'
            when panel_setter_group > 0
                and group_setter_panel is not null
                and event_source <> 'mobile'
                and {{ seconds_between('group_setter_at', 'event_at') }}
                <= {{ max_gap }}
                then 'inherited'
            when own_sequence_url = sequence_url
                and own_panel is not null then 'observed'
            else 'unknown'
        end as panel_inference
    from setters_found
)

select * from panels_resolved
