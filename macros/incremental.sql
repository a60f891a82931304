{#- stg_events_drop_orphans(relation): after an incremental build of the
    staging model, delete the rows whose raw load is gone (the raw schema
    was emptied or reloaded), so the table stays what a full rebuild of the
    raw lines gives. Plain SQL. -#}
{% macro stg_events_drop_orphans(relation) -%}
    {%- if is_incremental() -%}
        delete from {{ relation }} as staged
        where staged.load_id not in (
            select distinct raw_lines._dlt_load_id
            from {{ source('tracking_log', 'tracking_log_lines') }} as raw_lines
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
