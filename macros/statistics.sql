{#- refresh_statistics(relation): the statement gathering the planner's
    statistics of a table just built, for the models and tests that read it
    in the same run (autovacuum analyzes it only later; without statistics
    Postgres may pick nested loops that take minutes). Use as a post-hook. -#}
{% macro refresh_statistics(relation) %}
    {{ return(adapter.dispatch('refresh_statistics', 'moocdb')(relation)) }}
{% endmacro %}
{% macro default__refresh_statistics(relation) -%}
    analyze {{ relation }}
{%- endmacro %}
