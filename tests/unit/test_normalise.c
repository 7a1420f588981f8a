/*
 * test_normalise.c — countries and employee counts as senders write them:
 * tables of values seen in CRM exports, form posts, enrichment vendors and
 * marketing-automation picklists, and the tables of normalise_countries.c.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "leadroute/normalise.h"
#include "leadroute/util.h"

#include "check_suites.h"

/* Countries as sent, and the code each must give (NULL: none). */
static const struct {
	const char	*sent;
	const char	*code;
} country_cases[] = {
	/* Codes, in any case and with stray spaces and dots. */
	{ "DE", "DE" }, { "de", "DE" }, { " De ", "DE" }, { "DEU", "DE" }, { "deu", "DE" },
	{ "GBR", "GB" }, { "USA", "US" }, { "U.S.A.", "US" }, { "U.S.", "US" }, { "US", "US" },
	{ "u.s.a", "US" }, { "CHE", "CH" }, { "JPN", "JP" }, { "KOR", "KR" }, { "BRA", "BR" },
	{ "ＪＰ", "JP" },			/* full-width, as a Japanese keyboard types it */
	/* English names and their usual variants. */
	{ "Germany", "DE" }, { "GERMANY", "DE" }, { "germany", "DE" },
	{ "United States", "US" }, { "United States of America", "US" },
	{ "united states of america", "US" }, { "The United States", "US" }, { "America", "US" },
	{ "United  States", "US" }, { "United States (USA)", "US" },
	{ "United Kingdom", "GB" }, { "UK", "GB" }, { "U.K.", "GB" }, { "uk", "GB" },
	{ "Great Britain", "GB" }, { "Britain", "GB" }, { "England", "GB" }, { "Scotland", "GB" },
	{ "Wales", "GB" }, { "Northern Ireland", "GB" },
	{ "United Kingdom of Great Britain and Northern Ireland", "GB" },
	{ "The Netherlands", "NL" }, { "Netherlands, The", "NL" }, { "Holland", "NL" },
	{ "Czech Republic", "CZ" }, { "Czechia", "CZ" }, { "Czech Rep.", "CZ" },
	{ "South Korea", "KR" }, { "Korea", "KR" }, { "Korea, Republic of", "KR" },
	{ "Korea (the Republic of)", "KR" }, { "Republic of Korea", "KR" },
	{ "North Korea", "KP" }, { "Korea, Democratic People's Republic of", "KP" },
	{ "Russia", "RU" }, { "Russian Federation", "RU" }, { "Turkey", "TR" },
	{ "UAE", "AE" }, { "U.A.E.", "AE" }, { "United Arab Emirates", "AE" },
	{ "KSA", "SA" }, { "Saudi Arabia", "SA" }, { "Kingdom of Saudi Arabia", "SA" },
	{ "Viet Nam", "VN" }, { "Vietnam", "VN" }, { "Iran, Islamic Republic of", "IR" },
	{ "Bolivia (Plurinational State of)", "BO" }, { "Taiwan, Province of China", "TW" },
	{ "Ivory Coast", "CI" }, { "Côte d'Ivoire", "CI" }, { "Cote d’Ivoire", "CI" },
	{ "Cape Verde", "CV" }, { "Cabo Verde", "CV" }, { "Swaziland", "SZ" }, { "Burma", "MM" },
	{ "DR Congo", "CD" }, { "Democratic Republic of the Congo", "CD" },
	{ "Congo, The Democratic Republic of the", "CD" }, { "Republic of the Congo", "CG" },
	{ "Congo", "CG" }, { "Bosnia & Herzegovina", "BA" }, { "Bosnia-Herzegovina", "BA" },
	{ "Trinidad & Tobago", "TT" }, { "St. Lucia", "LC" }, { "St Kitts and Nevis", "KN" },
	{ "Saint Vincent and the Grenadines", "VC" }, { "Guinea-Bissau", "GW" },
	{ "Timor-Leste", "TL" }, { "East Timor", "TL" }, { "Hong Kong SAR", "HK" },
	{ "Macau", "MO" }, { "Vatican City", "VA" }, { "Holy See (Vatican City State)", "VA" },
	{ "Åland Islands", "AX" }, { "Curaçao", "CW" }, { "Réunion", "RE" },
	{ "Saint Barthélemy", "BL" }, { "British Virgin Islands", "VG" },
	{ "Virgin Islands, U.S.", "VI" }, { "Falkland Islands (Malvinas)", "FK" },
	{ "Micronesia, Federated States of", "FM" }, { "Palestine, State of", "PS" },
	{ "Georgia", "GE" }, { "Türkiye", "TR" }, { "North Macedonia", "MK" },
	{ "Macedonia", "MK" }, { "Eswatini", "SZ" },
	/* Local names of the larger markets. */
	{ "Deutschland", "DE" }, { "DEUTSCHLAND", "DE" }, { "Österreich", "AT" },
	{ "Oesterreich", "AT" }, { "Osterreich", "AT" }, { "ÖSTERREICH", "AT" },
	{ "O\xcc\x88sterreich", "AT" },	/* decomposed: O and a combining diaeresis */
	{ "Schweiz", "CH" }, { "Suisse", "CH" }, { "Svizzera", "CH" }, { "France", "FR" },
	{ "España", "ES" }, { "Espana", "ES" }, { "ESPAÑA", "ES" }, { "Italia", "IT" },
	{ "Nederland", "NL" }, { "België", "BE" }, { "Belgique", "BE" }, { "Sverige", "SE" },
	{ "Norge", "NO" }, { "Danmark", "DK" }, { "Suomi", "FI" }, { "Polska", "PL" },
	{ "Česko", "CZ" }, { "Česká republika", "CZ" }, { "Brasil", "BR" }, { "México", "MX" },
	{ "Mexico", "MX" }, { "日本", "JP" }, { "Japan", "JP" }, { "中国", "CN" },
	{ "China", "CN" }, { "PRC", "CN" }, { "한국", "KR" }, { "대한민국", "KR" },
	{ "India", "IN" }, { "भारत", "IN" }, { "Россия", "RU" }, { "РОССИЯ", "RU" },
	{ "TÜRKIYE", "TR" }, { "Ελλάδα", "GR" }, { "ΕΛΛΑΔΑ", "GR" },
	{ "Éire", "IE" }, { "Magyarország", "HU" }, { "România", "RO" }, { "Україна", "UA" },
	{ "السعودية", "SA" }, { "الإمارات العربية المتحدة", "AE" }, { "ישראל", "IL" },
	{ "台灣", "TW" }, { "香港", "HK" }, { "Việt Nam", "VN" }, { "ประเทศไทย", "TH" },
	/* And in other large markets' languages. */
	{ "Allemagne", "DE" }, { "Alemania", "DE" }, { "Frankreich", "FR" },
	{ "Royaume-Uni", "GB" }, { "Reino Unido", "GB" }, { "Vereinigtes Königreich", "GB" },
	{ "Großbritannien", "GB" }, { "Grossbritannien", "GB" }, { "États-Unis", "US" },
	{ "Etats Unis", "US" }, { "Estados Unidos", "US" }, { "EE.UU.", "US" },
	{ "Vereinigte Staaten", "US" }, { "Niederlande", "NL" }, { "Pays-Bas", "NL" },
	{ "Schweden", "SE" }, { "Tschechien", "CZ" }, { "Türkei", "TR" },
	/* Not countries: kept as sent by the caller. */
	{ "Atlantis", NULL }, { "N/A", NULL }, { "-", NULL }, { "", NULL }, { "   ", NULL },
	{ "Please select", NULL }, { "Europe", NULL }, { "EMEA", NULL }, { "XX", NULL },
	{ "XXX", NULL }, { "Virgin Islands", NULL }, { "Berlin", NULL }, { "123", NULL },
	{ "The", NULL }, { "U S A", NULL }, { "Germanyy", NULL },
};

/* Employee counts as sent, and the range each must give. */
static const struct {
	const char	*sent;
	int64_t		 lo;
	int64_t		 hi;
} count_cases[] = {
	/* Numbers. */
	{ "0", 0, 0 }, { "7", 7, 7 }, { "250", 250, 250 }, { " 250 ", 250, 250 },
	{ "1,000", 1000, 1000 }, { "1.000", 1000, 1000 }, { "1 000", 1000, 1000 },
	{ "1\xc2\xa0" "000", 1000, 1000 },		/* a no-break space */
	{ "1\xe2\x80\xaf" "000", 1000, 1000 },		/* a narrow no-break space */
	{ "1'000", 1000, 1000 }, { "12,500", 12500, 12500 }, { "1,000,000", 1000000, 1000000 },
	{ "1.000.000", 1000000, 1000000 }, { "250.0", 250, 250 }, { "10k", 10000, 10000 },
	{ "10K", 10000, 10000 }, { "1.5k", 1500, 1500 }, { "1,5k", 1500, 1500 },
	{ "2M", 2000000, 2000000 }, { "2.5 million", 2500000, 2500000 },
	{ "3 Mio", 3000000, 3000000 }, { "15 thousand", 15000, 15000 },
	{ "250 employees", 250, 250 }, { "approx. 300", 300, 300 }, { "about 40 people", 40, 40 },
	{ "ca. 120 Mitarbeiter", 120, 120 }, { "~50", 50, 50 }, { "１２０", 120, 120 },
	/* Ranges: LinkedIn, HubSpot, Salesforce, ZoomInfo, Clearbit and form picklists. */
	{ "1-10", 1, 10 }, { "11-50", 11, 50 }, { "51-200", 51, 200 }, { "201-500", 201, 500 },
	{ "501-1,000", 501, 1000 }, { "1,001-5,000", 1001, 5000 }, { "5,001-10,000", 5001, 10000 },
	{ "1-5", 1, 5 }, { "5-25", 5, 25 }, { "25-50", 25, 50 }, { "50-100", 50, 100 },
	{ "100-500", 100, 500 }, { "500-1000", 500, 1000 }, { "200-500", 200, 500 },
	{ "200 - 500", 200, 500 }, { "200 – 500", 200, 500 }, { "200—500", 200, 500 },
	{ "200 to 500", 200, 500 }, { "200..500", 200, 500 }, { "200~500", 200, 500 },
	{ "1 to 4", 1, 4 }, { "250 to 499", 250, 499 }, { "1,000 to 4,999", 1000, 4999 },
	{ "51-200 employees", 51, 200 }, { "51 - 200 Employees", 51, 200 },
	{ "11-50 employees", 11, 50 }, { "1K-5K", 1000, 5000 }, { "10K-50K", 10000, 50000 },
	{ "251-1K", 251, 1000 }, { "between 200 and 500", 200, 500 },
	{ "Between 50 and 99 employees", 50, 99 }, { "from 10 to 49", 10, 49 },
	{ "10 bis 49 Mitarbeiter", 10, 49 }, { "de 10 à 49 salariés", 10, 49 },
	{ "5.000 - 10.000", 5000, 10000 }, { "10 000 – 50 000", 10000, 50000 },
	{ "(51-200)", 51, 200 }, { "Employees: 51-200", 51, 200 },
	/* Open ranges. */
	{ "1,000+", 1000, -1 }, { "10000+", 10000, -1 }, { "10,001+", 10001, -1 },
	{ "10,000+", 10000, -1 }, { "100K+", 100000, -1 }, { "10k+", 10000, -1 },
	{ "1000 +", 1000, -1 }, { "5000 or more", 5000, -1 }, { "5,000 and above", 5000, -1 },
	{ "1000 plus", 1000, -1 }, { "500 and up", 500, -1 }, { "at least 50", 50, -1 },
	{ "≥ 250", 250, -1 }, { ">=250", 250, -1 }, { ">500", 501, -1 }, { "> 500", 501, -1 },
	{ "over 500", 501, -1 }, { "More than 10,000", 10001, -1 }, { "more than 1k", 1001, -1 },
	{ "über 1000 Mitarbeiter", 1001, -1 }, { "ab 500", 500, -1 },
	{ "plus de 5000 salariés", 5001, -1 }, { "10000 or more employees", 10000, -1 },
	{ "<10", 1, 9 }, { "< 10", 1, 9 }, { "under 50", 1, 49 }, { "less than 10", 1, 9 },
	{ "fewer than 5 employees", 1, 4 }, { "<=10", 1, 10 }, { "≤ 10", 1, 10 },
	{ "up to 10", 1, 10 }, { "10 or fewer", 1, 10 }, { "unter 10", 1, 9 }, { "<1", 0, 0 },
	{ "moins de 10 salariés", 1, 9 }, { "menos de 50 empleados", 1, 49 },
};

/* Employee counts that are no count. */
static const char *const count_unknown[] = {
	"lots", "many", "N/A", "n/a", "unknown", "-", "", "   ", "-5", "2.5", "1.2345k",
	"500-200", "<0", "200 500 1000", "1-10-100", "about", "k", "10x", "1e3", "#",
	"two hundred", "51-200 offices", "10/20", "$5M", "5 & 10", "10 20",
};

START_TEST(test_country_table_values)
{
	size_t i;

	for (i = 0; i < LR_NELEM(country_cases); i++) {
		const char *got = normalise_country(country_cases[i].sent);

		if (country_cases[i].code == NULL)
			ck_assert_msg(got == NULL, "\"%s\" gave %s, expected none",
			    country_cases[i].sent, got);
		else
			ck_assert_msg(got != NULL && strcmp(got, country_cases[i].code) == 0,
			    "\"%s\" gave %s, expected %s", country_cases[i].sent,
			    got != NULL ? got : "none", country_cases[i].code);
	}
	ck_assert_uint_ge(LR_NELEM(country_cases), 60);
}
END_TEST

START_TEST(test_country_every_code_and_name)
{
	const struct normalise_country *c;
	char lower[4];
	size_t n, i;

	c = normalise_countries(&n);
	ck_assert_uint_eq(n, 249);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_msg(strcmp(c[i - 1].code, c[i].code) < 0, "%s is out of order",
			    c[i].code);
		ck_assert_str_eq(normalise_country(c[i].code), c[i].code);
		ck_assert_str_eq(normalise_country(c[i].alpha3), c[i].code);
		snprintf(lower, sizeof(lower), "%c%c", c[i].code[0] + 32, c[i].code[1] + 32);
		ck_assert_str_eq(normalise_country(lower), c[i].code);
		ck_assert_msg(normalise_country(c[i].name) != NULL &&
		    strcmp(normalise_country(c[i].name), c[i].code) == 0,
		    "the name \"%s\" does not give %s", c[i].name, c[i].code);
	}
}
END_TEST

START_TEST(test_country_aliases_are_keys_in_order)
{
	const struct normalise_alias *a;
	char key[NORMALISE_KEY_MAX];
	size_t n, i;

	a = normalise_aliases(&n);
	ck_assert_uint_gt(n, 500);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(normalise_country_key(a[i].key, key, sizeof(key)), 0);
		ck_assert_msg(strcmp(key, a[i].key) == 0, "alias \"%s\" is not a key (\"%s\")",
		    a[i].key, key);
		if (i > 0)
			ck_assert_msg(strcmp(a[i - 1].key, a[i].key) < 0,
			    "alias \"%s\" is out of order or repeated", a[i].key);
		/* A code is the country's own: an alias may not be another's code. */
		if (strlen(key) == 2 || strlen(key) == 3) {
			const char *code = normalise_country(key);

			ck_assert_msg(strcmp(code, a[i].code) == 0, "alias \"%s\" (%s) is the code of %s",
			    a[i].key, a[i].code, code);
		}
		ck_assert_msg(normalise_country(a[i].key) == a[i].code ||
		    strcmp(normalise_country(a[i].key), a[i].code) == 0, "alias \"%s\"", a[i].key);
	}
}
END_TEST

START_TEST(test_country_key_folds_text)
{
	static const struct {
		const char	*text;
		const char	*key;
	} cases[] = {
		{ "  The  United   States ", "united states" },
		{ "U.S.A.", "usa" },
		{ "Bosnia & Herzegovina", "bosnia and herzegovina" },
		{ "Korea (the Republic of)", "korea republic of" },
		{ "St. Kitts", "saint kitts" },
		{ "ÖSTERREICH", "osterreich" },
		{ "Straße", "strasse" },
		{ "Côte d’Ivoire", "cote d ivoire" },
		{ "ΕΛΛΆΔΑ", "ελλαδα" },
		{ "РОССИЯ", "россия" },
		{ "ＵＳＡ", "usa" },
		{ "\xce\xa2\xcf\x82", "\xce\xa2\xcf\x83" },	/* U+03A2 is no letter; ς is σ */
		{ "", "" },
	};
	char key[NORMALISE_KEY_MAX], tiny[6];
	char big[400];
	size_t i;

	for (i = 0; i < LR_NELEM(cases); i++) {
		ck_assert_int_eq(normalise_country_key(cases[i].text, key, sizeof(key)), 0);
		ck_assert_str_eq(key, cases[i].key);
	}
	ck_assert_int_eq(normalise_country_key("France", tiny, sizeof(tiny)), -1);
	ck_assert_int_eq(normalise_country_key("Spain", tiny, sizeof(tiny)), 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(normalise_country_key(big, key, sizeof(key)), -1);
	ck_assert_ptr_null(normalise_country(big));
	/* Bytes that are no UTF-8 read as U+FFFD and match nothing. */
	ck_assert_ptr_null(normalise_country("Fr\xff" "ance"));
	ck_assert_ptr_null(normalise_country("\xc3"));
}
END_TEST

START_TEST(test_employees_table_values)
{
	size_t i;

	for (i = 0; i < LR_NELEM(count_cases); i++) {
		struct normalise_range r = { -2, -2 };
		enum normalise_count rc = normalise_employees(count_cases[i].sent, &r);

		ck_assert_msg(rc == NORMALISE_COUNT_OK && r.lo == count_cases[i].lo &&
		    r.hi == count_cases[i].hi, "\"%s\" gave %d: %lld-%lld, expected %lld-%lld",
		    count_cases[i].sent, (int)rc, (long long)r.lo, (long long)r.hi,
		    (long long)count_cases[i].lo, (long long)count_cases[i].hi);
	}
	ck_assert_uint_ge(LR_NELEM(count_cases), 60);
}
END_TEST

START_TEST(test_employees_that_are_no_count)
{
	size_t i;

	for (i = 0; i < LR_NELEM(count_unknown); i++) {
		struct normalise_range r = { -2, -2 };

		ck_assert_msg(normalise_employees(count_unknown[i], &r) == NORMALISE_COUNT_UNKNOWN,
		    "\"%s\" was read as %lld-%lld", count_unknown[i], (long long)r.lo,
		    (long long)r.hi);
	}
}
END_TEST

START_TEST(test_employees_too_large)
{
	struct normalise_range r;

	ck_assert_int_eq(normalise_employees("100000000", &r), NORMALISE_COUNT_OK);
	ck_assert_int_eq(r.lo, NORMALISE_EMPLOYEES_MAX);
	ck_assert_int_eq(normalise_employees("100000001", &r), NORMALISE_COUNT_TOO_LARGE);
	ck_assert_int_eq(normalise_employees(">100000000", &r), NORMALISE_COUNT_TOO_LARGE);
	ck_assert_int_eq(normalise_employees("200M+", &r), NORMALISE_COUNT_TOO_LARGE);
	ck_assert_int_eq(normalise_employees("99999999999999999999999999", &r),
	    NORMALISE_COUNT_TOO_LARGE);
	/* Only the lower bound counts: a huge upper bound is no problem. */
	ck_assert_int_eq(normalise_employees("5000-999999999999", &r), NORMALISE_COUNT_OK);
	ck_assert_int_eq(r.lo, 5000);
}
END_TEST

START_TEST(test_company_key_lowers_and_collapses_space)
{
	char key[NORMALISE_COMPANY_KEY_MAX];

	normalise_company_key("  ACME\tInc. \n", key);
	ck_assert_str_eq(key, "acme inc.");
	normalise_company_key("Acme\x1f  \x7f Corp", key);
	ck_assert_str_eq(key, "acme corp");
	normalise_company_key("Ärzte GmbH", key);
	ck_assert_str_eq(key, "Ärzte gmbh");
	normalise_company_key(" \t ", key);
	ck_assert_str_eq(key, "");
}
END_TEST

START_TEST(test_company_key_cut_at_a_character)
{
	char name[200], key[NORMALISE_COMPANY_KEY_MAX];

	/* 63 ASCII bytes, then a two-byte é: the é does not fit. */
	memset(name, 'a', 63);
	strcpy(name + 63, "\xc3\xa9zzz");
	normalise_company_key(name, key);
	ck_assert_uint_eq(strlen(key), 63);
	/* 62 bytes, then the é: it fits exactly. */
	strcpy(name + 62, "\xc3\xa9zzz");
	normalise_company_key(name, key);
	ck_assert_uint_eq(strlen(key), 64);
	ck_assert_str_eq(key + 62, "\xc3\xa9");
	/* A space that would be the last byte is dropped with what follows it. */
	memset(name, 'a', 63);
	strcpy(name + 63, " bbb");
	normalise_company_key(name, key);
	ck_assert_uint_eq(strlen(key), 63);
	ck_assert_int_eq(key[62], 'a');
}
END_TEST

Suite *
normalise_suite(void)
{
	Suite *s = suite_create("normalise");
	TCase *tc = tcase_create("normalise");

	tcase_add_test(tc, test_country_table_values);
	tcase_add_test(tc, test_country_every_code_and_name);
	tcase_add_test(tc, test_country_aliases_are_keys_in_order);
	tcase_add_test(tc, test_country_key_folds_text);
	tcase_add_test(tc, test_employees_table_values);
	tcase_add_test(tc, test_employees_that_are_no_count);
	tcase_add_test(tc, test_employees_too_large);
	tcase_add_test(tc, test_company_key_lowers_and_collapses_space);
	tcase_add_test(tc, test_company_key_cut_at_a_character);
	suite_add_tcase(s, tc);
	return s;
}
