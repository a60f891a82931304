{#- course_filter(column): the condition restricting a build to var('courses')
    (a list of Open edX course ids); `true` when the list is empty. Plain SQL. -#}
{% macro course_filter(column) -%}
    {%- set courses = var('courses', []) -%}
    {%- if courses | length == 0 -%}
        true
    {%- else -%}
        {{ column }} in (
            {%- for course in courses -%}
                '{{ course | replace("'", "''") }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
