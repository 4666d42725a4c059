/** The keyword extractor behind src/config/keepalived-keywords.ts (scripts/keepalived-keywords.ts). */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE, keywordsAt, keywordsOf } from '../../../scripts/keepalived-keywords.js';
import { KEEPALIVED_BASE, KEEPALIVED_BASE_VERSION } from '../../../src/config/keepalived-keywords.js';

const SAMPLE = `
void init(bool active)
{
	install_keyword_root("vrrp_instance", &vrrp_handler, active);
	install_root_end_handler(&vrrp_end_handler);
#ifdef _HAVE_VRRP_VMAC_
	install_keyword("use_vmac", &vrrp_vmac_handler);
#endif
#if defined _WITH_IPTABLES_ || defined(_WITH_NFTABLES_)
	install_keyword_quoted("notify", &vrrp_notify_handler);
#else
	install_keyword("no_fw", &h);
#endif
	install_keyword("authentication", NULL);
	install_sublevel();
	install_keyword("auth_type", &vrrp_auth_type_handler);
	install_sublevel_end();
	install_sublevel_end_handler(&x);
	install_keyword("priority", &vrrp_prio_handler);
	install_keyword_root("global_defs", NULL, active);
	install_keyword("router_id", &h);
}
`;

describe('keepalived keyword extraction', () => {
  it('reads sections, sublevels and the #if conditions around each keyword', () => {
    expect(keywordsOf(SAMPLE)).toEqual([
      { section: 'top', keyword: 'vrrp_instance', build: '' },
      { section: 'vrrp_instance', keyword: 'use_vmac', build: '_HAVE_VRRP_VMAC_' },
      { section: 'vrrp_instance', keyword: 'notify', build: '(_WITH_IPTABLES_ || _WITH_NFTABLES_)' },
      { section: 'vrrp_instance', keyword: 'no_fw', build: '!(_WITH_IPTABLES_ || _WITH_NFTABLES_)' },
      { section: 'vrrp_instance', keyword: 'authentication', build: '' },
      { section: 'vrrp_instance authentication', keyword: 'auth_type', build: '' },
      { section: 'vrrp_instance', keyword: 'priority', build: '' },
      { section: 'top', keyword: 'global_defs', build: '' },
      { section: 'global_defs', keyword: 'router_id', build: '' },
    ]);
  });

  const mirror = process.env['KEEPALIVED_GIT'] ?? '/work/.mirror/acassen+keepalived/repo';
  it.skipIf(!existsSync(mirror))(`the committed table is what keepalived ${BASE}'s sources install (needs a keepalived clone: ${mirror})`, () => {
    expect(KEEPALIVED_BASE_VERSION).toBe(BASE.slice(1));
    expect(keywordsAt(mirror, BASE).map((k) => [k.section, k.keyword, k.build])).toEqual(KEEPALIVED_BASE);
  });
});
