"The offline docs site (`make docs`): built for a few notebooks, one of them executed; pages, links, API docs, figures, failures."
import importlib, json, re, shutil
from pathlib import Path
import pytest
from avemo import _modidx
from avemo.docs import build_docs, check_links, main, page_of

ROOT = Path(__file__).resolve().parents[1]
NBS = ['index.ipynb', '01a_prepare.ipynb', '02_losses.ipynb', '02a_tracking.ipynb', '12_docs.ipynb']
RUN = '02a_tracking.ipynb'            # draws its loss curves with matplotlib; runs in a few seconds

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')
    return out, build_docs(ROOT/'nbs', out, NBS, execute=[RUN], css=ROOT/'nbs/styles.css')

def _page(out, nb): return (out/page_of(nb)).read_text()

def test_every_page_built_cleanly(site):
    out, report = site
    assert report == {nb: '' for nb in NBS}
    assert sorted(p.name for p in out.glob('*.html')) == sorted(page_of(nb) for nb in NBS)

def test_links_resolve(site):
    assert check_links(site[0]) == []

def test_broken_links_are_caught(site, tmp_path):
    out = shutil.copytree(site[0], tmp_path/'site')
    html = _page(out, '02_losses.ipynb')
    (out/'losses.html').write_text(html.replace('href="index.html"', 'href="nowhere.html"', 1)
                                   .replace('</main>', '<a href="tracking.html#no-such-id">x</a></main>'))
    assert check_links(out) == ['losses.html: nowhere.html', 'losses.html: tracking.html#no-such-id']

def _documented(nb):
    "The names nbdev's doc index (`_modidx.py`) puts on `nb`'s page, with the module they belong to."
    for mod, syms in _modidx.d['syms'].items():
        names = [sym[len(mod) + 1:] for sym, (url, _) in syms.items() if url.split('#')[0] == page_of(nb)]
        if names: yield from (n for n in names if n in importlib.import_module(mod).__all__)

@pytest.mark.parametrize('nb', ['02_losses.ipynb', '02a_tracking.ipynb', '12_docs.ipynb'])
def test_api_docs_cover_the_exports(site, nb):
    html, names = _page(site[0], nb), list(_documented(nb))
    assert len(names) >= 3
    for n in names: assert re.search(fr'<div class="api"><h3 id="{n.lower()}">{n}</h3>', html), n
    assert 'github.com' not in html                        # offline: no source links to GitHub

def test_executed_page_embeds_its_figure(site):
    assert '<img src="data:image/png;base64,iVBOR' in _page(site[0], RUN)
    assert 'class="cell-output"' not in _page(site[0], '02_losses.ipynb')      # not executed: code and prose only

def test_index_links_every_page(site):
    index = _page(site[0], 'index.ipynb')
    table = index[index.index('<h2 id="pages">'):]
    for nb in NBS[1:]: assert f'href="{page_of(nb)}"' in table, nb
    assert 'Losses and metrics</a></td><td>The thesis' in table                 # title and description

def test_no_external_resources(site):
    for p in site[0].glob('*.html'):
        assert not re.search(r'<(script|link)\b[^>]*(src|href)="(https?:)?//', p.read_text()), p.name

def _nb(path, *cells):
    cs = [dict(cell_type=t, metadata={}, source=s, **(dict(outputs=[], execution_count=None) if t == 'code' else {})) for t, s in cells]
    path.write_text(json.dumps(dict(cells=cs, metadata={}, nbformat=4, nbformat_minor=5)))

def test_a_failing_notebook_gets_its_page_and_fails_the_command(tmp_path, capsys):
    nbs, out = tmp_path/'nbs', tmp_path/'site'; nbs.mkdir()
    _nb(nbs/'index.ipynb', ('markdown', '# Home\n> start'), ('markdown', 'Read [the broken one](01_bad.ipynb#Setup).'))
    _nb(nbs/'01_bad.ipynb', ('markdown', '# Bad\n> fails'), ('markdown', '## Setup'), ('code', 'print("before")'),
        ('code', 'raise ValueError("boom")'), ('code', 'print("never")'))
    assert main(['--nbs', str(nbs), '--out', str(out)]) == 1
    assert 'failed: 01_bad.ipynb' in capsys.readouterr().out
    bad = (out/'bad.html').read_text()
    assert '<div class="build-error">' in bad and 'ValueError: boom' in bad
    assert '<pre class="stdout">before' in bad and '<pre class="stdout">never' not in bad       # stops at the first error
    assert 'href="bad.html#Setup"' in (out/'index.html').read_text() and check_links(out) == []
