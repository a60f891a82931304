{#- IP addresses, behind adapter.dispatch. -#}

{#- apply_ip_policy(text_expr): an IP text -> inet under var('ip_policy'):
    keep (as logged), truncate (the default) (IPv4 to its /24 network, IPv6 to /48), drop
    (NULL). MOOCDB_IP_POLICY overrides the var. Non-IP text gives NULL. -#}
{% macro apply_ip_policy(text_expr) %}
    {{ return(adapter.dispatch('apply_ip_policy', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__apply_ip_policy(text_expr) -%}
    {%- set policy = env_var('MOOCDB_IP_POLICY', var('ip_policy')) -%}
    {%- if policy not in ['keep', 'truncate', 'drop'] -%}
        {{ exceptions.raise_compiler_error(
            "var ip_policy must be keep, truncate or drop, not " ~ policy) }}
    {%- endif -%}
    {%- if policy == 'drop' -%}
    cast(null as inet)
    {%- else -%}
    case
        when pg_input_is_valid({{ text_expr }}, 'inet')
            {%- if policy == 'keep' %}
            then cast({{ text_expr }} as inet)
            {%- else %}
            then network(
                set_masklen(
                    cast({{ text_expr }} as inet),
                    case when family(cast({{ text_expr }} as inet)) = 4 then 24 else 48 end
                )
            )
            {%- endif %}
    end
    {%- endif -%}
{%- endmacro %}
