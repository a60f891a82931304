{#- problem_family_event_types(): the Open edX event types the problem family
    (int_problem_events_parsed) reads, by role. Shared by the model and by
    the test that holds it to the event-type mapping seed. -#}
{% macro problem_family_event_types(role=none) %}
    {%- set types = {
        'submission': [
            'problem_check',
            'save_problem_check',
            'problem_check_fail',
            'save_problem_check_fail',
            'problem_graded',
            'problem_save',
            'save_problem_success',
            'save_problem_fail',
            'problem_reset',
            'reset_problem',
            'edx.drag_and_drop_v2.item.dropped',
            'ubc.peer_instruction.original_submitted',
            'ubc.peer_instruction.revised_submitted',
            'edx.grades.problem.submitted',
        ],
        'assessment': [
            'problem_check',
            'save_problem_check',
            'edx.grades.problem.submitted',
            'problem_rescore',
            'edx.grades.problem.rescored',
            'edx.grades.problem.score_overridden',
        ],
        'observing_only': [
            'reset_problem_fail',
            'problem_rescore_fail',
            'problem_show',
            'showanswer',
            'show_answer',
            'edx.problem.show_answer',
            'edx.problem.hint.demandhint_displayed',
            'edx.problem.hint.feedback_displayed',
        ],
    } -%}
    {%- if role is none -%}
        {{ return((types['submission'] + types['assessment']
            + types['observing_only']) | unique | list) }}
    {%- endif -%}
    {{ return(types[role]) }}
{% endmacro %}
