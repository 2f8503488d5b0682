'use strict';
// The claims inline's target box: one search across proposals, provisions,
// demands and issues of the negotiation chosen in the statement form.
{
    const $ = django.jQuery;

    function negotiation() {
        const field = document.getElementById('id_negotiation');
        return field ? field.value : '';
    }

    function init(select) {
        if (select.name.includes('__prefix__') || $(select).data('select2')) {
            return;
        }
        $(select).select2({
            ajax: {
                url: select.dataset.url,
                dataType: 'json',
                delay: 250,
                data: (params) => ({term: params.term || '', negotiation: negotiation()})
            },
            allowClear: true,
            placeholder: select.dataset.placeholder,
            theme: 'admin-autocomplete',
            width: 'style'
        });
    }

    document.addEventListener('DOMContentLoaded', () => {
        document.querySelectorAll('select.claim-target').forEach(init);
    });
    document.addEventListener('formset:added', (event) => {
        event.target.querySelectorAll('select.claim-target').forEach(init);
    });
}
