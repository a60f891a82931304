{#- Settings for building big tables fast. Every expression here is
    adapter-specific and dispatched; Spark gets no-ops. -#}

{#- analyze_after_build(): a post-hook for table and incremental models:
    fresh planner statistics for the table just built, so the models that
    read it next are planned with its real size (Postgres' autovacuum
    analyzes a new table only a minute or more after it is written, when the
    build has moved on). Empty for views and on Spark. -#}
{% macro analyze_after_build() %}
    {{ return(adapter.dispatch('analyze_after_build', 'moocdb')()) }}
{% endmacro %}
{% macro default__analyze_after_build() -%}
    {%- if execute and config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
{% macro spark__analyze_after_build() %}{% endmacro %}
