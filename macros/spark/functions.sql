{#- SQL functions the Spark versions of the macros call, created by the
    on-run-start hook (dbt_project.yml) in the schema <target schema>_functions
    of the metastore, so that views keep a short SQL text: Spark >= 4.0
    persistent SQL UDFs, inlined by the analyzer. Nothing on Postgres. -#}

{% macro create_engine_functions() %}
    {{ return(adapter.dispatch('create_engine_functions', 'moocdb')()) }}
{% endmacro %}

{% macro default__create_engine_functions() %}{% endmacro %}

{% macro spark_functions_schema() -%}
    {{ target.schema }}_functions
{%- endmacro %}

{% macro spark__create_engine_functions() %}
    {%- if execute -%}
        {%- set schema = moocdb.spark_functions_schema() -%}
        {%- do run_query("create database if not exists " ~ schema) -%}
        {%- do run_query(
            "create or replace function " ~ schema ~ ".variant_text(value variant)"
            ~ " returns string return " ~ moocdb.spark_variant_text_body('value')
        ) -%}
    {%- endif -%}
{% endmacro %}
