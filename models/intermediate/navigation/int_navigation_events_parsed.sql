{#-
    One row per navigation event (family `navigation` in the mapping seed):
    sequence tab changes of both eras (`seq_goto`/`seq_next`/`seq_prev`,
    whose 2016+ copies carry `name = edx.ui.lms.sequence.*` and
    `current_tab`/`target_tab`/`tab_count`), the `edx.ui.lms.*` outline and
    link clicks, `page_close` and the old `accordion`. The destination panel
    seeds panel inheritance.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

navigation_events as (
    select
        events.event_id,
        events.event_type,
        events.event_name,
        events.event_payload,
        event_types.observed_event_type_name
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.family = 'navigation'
),

payload_fields as (
    select
        event_id,
        event_type,
        event_name,
        observed_event_type_name,
        {{ json_get_text('event_payload', 'id') }} as sequence_module_id,
        {{ json_get_text('event_payload', 'old') }} as old_text,
        {{ json_get_text('event_payload', 'new') }} as new_text,
        {{ json_get_text('event_payload', 'current_tab') }}
            as current_tab_text,
        {{ json_get_text('event_payload', 'target_tab') }}
            as target_tab_text,
        {{ json_get_text('event_payload', 'tab_count') }} as tab_count_text,
        {{ json_get_text('event_payload', 'current_url') }} as current_url,
        {{ json_get_text('event_payload', 'target_url') }} as target_url,
        {{ json_get_text('event_payload', 'target_name') }} as target_name,
        {{ json_get_text('event_payload', 'widget_placement') }}
            as widget_placement,
        {{ json_get_text('event_payload', 'chapter') }} as chapter_name
    from navigation_events
    {{ optimization_fence() }}
),

tabs_typed as (
    select
        event_id,
        event_type,
        event_name,
        observed_event_type_name,
        sequence_module_id,
        coalesce(
            {{ text_to_integer('current_tab_text') }},
            {{ text_to_integer('old_text') }}
        ) as origin_tab,
        coalesce(
            {{ text_to_integer('target_tab_text') }},
            {{ text_to_integer('new_text') }}
        ) as logged_target_tab,
        {{ text_to_integer('tab_count_text') }} as tab_count,
        current_url,
        target_url,
        target_name,
        widget_placement,
        chapter_name
    from payload_fields
),

targets_requested as (
    -- seq_next/seq_prev of 2016+ may log only current_tab: the target is
    -- the next/previous tab
    select
        *,
        coalesce(
            logged_target_tab,
            case observed_event_type_name
                when 'seq_next' then origin_tab + 1
                when 'seq_prev' then origin_tab - 1
            end
        ) as requested_tab
    from tabs_typed
    {{ optimization_fence() }}
),

destinations as (
    -- a next/previous click past the last/first tab leaves the sequence:
    -- the destination is another sequence, its panel is not logged
    select
        event_id,
        event_type,
        event_name,
        observed_event_type_name,
        sequence_module_id,
        origin_tab,
        requested_tab,
        tab_count,
        observed_event_type_name in ('seq_goto', 'seq_next', 'seq_prev')
            as is_tab_change,
        coalesce(
            observed_event_type_name in ('seq_goto', 'seq_next', 'seq_prev')
            and (requested_tab < 1 or requested_tab > tab_count),
            false
        ) as is_sequence_exit,
        case
            when
                observed_event_type_name in ('seq_goto', 'seq_next', 'seq_prev')
                and requested_tab >= 1
                and (tab_count is null or requested_tab <= tab_count)
                then requested_tab
        end as destination_panel,
        current_url,
        target_url,
        target_name,
        widget_placement,
        chapter_name
    from targets_requested
)

select * from destinations
