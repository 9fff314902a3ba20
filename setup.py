"Setup for avemo, read from settings.ini (nbdev 2 layout, without pkg_resources so it builds under pip's build isolation)."
from configparser import ConfigParser
from pathlib import Path
import setuptools, shlex

here = Path(__file__).parent
config = ConfigParser(delimiters=['='])
config.read(here/'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for o in 'version description keywords author author_email'.split():
    assert o in cfg, f'missing expected setting: {o}'

licenses = {'apache2': 'Apache-2.0'}  # SPDX expression
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

def _reqs(key):
    "Split a requirements setting on whitespace (shlex keeps quoted specifiers together)."
    return shlex.split(cfg.get(key, ''))

requirements = _reqs('requirements')
dev_requirements = _reqs('dev_requirements')
min_python = cfg['min_python']
lic = licenses.get(cfg['license'].lower(), cfg['license'])
long_description = (here/'README.md').read_text(encoding='utf-8') if (here/'README.md').exists() else cfg['description']

setuptools.setup(
    name=cfg['lib_name'],
    license=lic,
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=['avemo', 'avemo.*']),
    include_package_data=True,
    package_data={'avemo': ['profiles/*.yaml', 'assets/*']},
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + cfg['min_python'],
    long_description=long_description,
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d']},
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
)
