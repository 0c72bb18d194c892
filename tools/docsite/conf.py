# Sphinx configuration of the collection's docsite (make docs, make test-docsite), as
# `antsibull-docs sphinx-init` writes it, except for intersphinx: the build runs offline, so the few
# labels of Ansible's own documentation that the generated pages refer to come from a small local
# inventory written here (ANSIBLE_LABELS), and link to their pages on the Ansible docsite. Any other
# unresolved reference is a warning, an error under -W.
import os
import zlib

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
ANSIBLE_LABELS = {
    # label: (page and anchor under ANSIBLE_DOCS, title)
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'ansible_collections.ansible.builtin.async_status_module': (
        'collections/ansible/builtin/async_status_module.html', 'ansible.builtin.async_status module'),
    # the note on a module run by an action plugin (ldap_report_file)
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
}


def _write_inventory(path):
    lines = ''.join(f'{label} std:label -1 {uri} {title}\n' for label, (uri, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as inventory:
        inventory.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                        b'# The remainder of this file is compressed using zlib.\n')
        inventory.write(zlib.compress(lines.encode()))


_inventory = os.path.join(os.environ.get('DOCSITE_BUILD_DIR', '.'), 'ansible_devel.inv')
_write_inventory(_inventory)
intersphinx_mapping = {'ansible_devel': (ANSIBLE_DOCS, _inventory)}
project = 'chatops.rocketchat'
copyright = 'chatops.rocketchat contributors'
title = 'chatops.rocketchat: Rocket.Chat LDAP as code'
html_short_title = 'chatops.rocketchat'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
# The logo in the top bar links to the server's root by default, which is not this site's.
html_theme_options = {'documentation_home_url': 'https://docs.ansible.com/'}
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'
nitpicky = True
