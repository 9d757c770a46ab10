package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/kanso-crm/kanso/internal/lookup"
)

// The word lists the generator draws from. Three regions, one per sales
// team: the United States (with a little Canada), Indonesia (with a little
// Singapore) and Romania, each with names, companies, cities, phone
// numbers, job titles, deal names and timeline notes in its own language.

const (
	regionNA = iota // North America, English
	regionID        // Indonesia, Indonesian
	regionRO        // Romania, Romanian
	nRegions
)

// demoUser is one of the users Generate creates.
type demoUser struct {
	login, name string
	region      int
	role        string // "manager", "all" (User: All Documents) or "own"
	leader      bool
}

var demoUsers = []demoUser{
	{"james", "James Carter", regionNA, "manager", true},
	{"emily", "Emily Johnson", regionNA, "all", false},
	{"david", "David Miller", regionNA, "own", false},
	{"budi", "Budi Santoso", regionID, "all", true},
	{"siti", "Siti Rahayu", regionID, "own", false},
	{"dewi", "Dewi Lestari", regionID, "own", false},
	{"ioana", "Ioana Popescu", regionRO, "all", true},
	{"maria", "Maria Ionescu", regionRO, "own", false},
	{"andrei", "Andrei Dumitrescu", regionRO, "own", false},
}

// regionInfo is what a region's team, users and customers share.
type regionInfo struct {
	team, lang, tz string
	utcOffset      int // hours, for office hours
	stageSet       string
	assignDomain   string
	color          int64
	target         float64
	countries      []*country
	first, last    []string
	singleNames    float64 // share of people known by one name
	companyWords   []string
	companyTrades  []string
	companyForms   []string
	workPoints     []string
	functions      []string
	deals          []string
	notes          []string
	campaigns      []campaignSpec
	genericMail    []string
}

type campaignSpec struct{ name, source, medium string }

// country is a customer country with its cities and phone plan.
type country struct {
	code, lang, tz string
	weight         int // share of the partners, in percent
	tlds           []string
	cities         []city
	mobile         func(r *rand.Rand) (national, e164 string)
	landline       func(r *rand.Rand, c *city) (national, e164 string)
	streets        []string
	street         func(r *rand.Rand, name string) string
	street2        func(r *rand.Rand) string
}

type city struct {
	name, state string // state code within the country, "" for none
	zip         string // prefix; digits are added up to zipLen
	zipLen      int
	area        []string // landline area codes
	tz          string   // "" = the country's
	registry    int      // Romanian trade registry county number
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Phone plans: every number they make is valid for libphonenumber
// (crm.SanitizePhone says "correct"); the E.164 form is built here so that
// the generator does not parse a million numbers.

func nanpNumber(r *rand.Rand, area string) (string, string) {
	exch := string(rune('2'+r.IntN(8))) + digits(r, 2)
	if exch[1:] == "11" || exch == "555" {
		exch = exch[:1] + "42"
	}
	sub := digits(r, 4)
	e164 := "+1" + area + exch + sub
	if r.IntN(2) == 0 {
		return "(" + area + ") " + exch + "-" + sub, e164
	}
	return "+1 " + area + "-" + exch + "-" + sub, e164
}

var idMobilePrefixes = []string{"811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "816", "855", "856", "857",
	"858", "877", "878", "881", "882", "883", "895", "896", "897", "898", "899", "831", "832", "838"}

func idMobile(r *rand.Rand) (string, string) {
	p, a, b := pick(r, idMobilePrefixes), digits(r, 4), digits(r, 4)
	if r.IntN(3) == 0 {
		return "+62 " + p + "-" + a + "-" + b, "+62" + p + a + b
	}
	return "0" + p + "-" + a + "-" + b, "+62" + p + a + b
}

func idLandline(r *rand.Rand, c *city) (string, string) {
	area := pick(r, c.area)
	n := 7
	if area == "21" || area == "31" {
		n = 8
	}
	sub := string(rune('3'+r.IntN(5))) + digits(r, n-1)
	return "(0" + area + ") " + sub[:n-4] + "-" + sub[n-4:], "+62" + area + sub
}

func roMobile(r *rand.Rand) (string, string) {
	p := "7" + string(rune('2'+r.IntN(6))) + digits(r, 1)
	a, b := digits(r, 3), digits(r, 3)
	if r.IntN(3) == 0 {
		return "+40 " + p + " " + a + " " + b, "+40" + p + a + b
	}
	return "0" + p + " " + a + " " + b, "+40" + p + a + b
}

func roLandline(r *rand.Rand, c *city) (string, string) {
	area := pick(r, c.area)
	n := 6
	if len(area) == 2 {
		n = 7
	}
	sub := string(rune('2'+r.IntN(2))) + digits(r, n-1)
	return "0" + area + " " + sub[:3] + " " + sub[3:], "+40" + area + sub
}

var sgPrefixes = []string{"61", "62", "63", "64", "65", "67", "68"}
var sgMobilePrefixes = []string{"81", "82", "83", "84", "85", "86", "87", "88", "90", "91", "92", "93", "94", "95", "96", "97", "98"}

func sgNumber(r *rand.Rand, prefixes []string) (string, string) {
	n := pick(r, prefixes) + digits(r, 6)
	return "+65 " + n[:4] + " " + n[4:], "+65" + n
}

var usStreets = []string{"Main St", "Oak Avenue", "Maple Street", "Park Avenue", "Washington Blvd", "Lake Shore Drive", "Market Street",
	"Broadway", "Elm Street", "Cedar Lane", "Pine Street", "Madison Avenue", "Sunset Blvd", "Commerce Drive", "Harbor Road",
	"Lexington Avenue", "Franklin Street", "Industrial Parkway", "Mission Street", "Peachtree Street"}

var idStreets = []string{"Jl. Jend. Sudirman", "Jl. Gatot Subroto", "Jl. M.H. Thamrin", "Jl. Asia Afrika", "Jl. Diponegoro",
	"Jl. Pemuda", "Jl. Gajah Mada", "Jl. Hayam Wuruk", "Jl. Ahmad Yani", "Jl. Rasuna Said", "Jl. Pahlawan", "Jl. Merdeka",
	"Jl. Kebon Jeruk", "Jl. Basuki Rahmat", "Jl. Teuku Umar", "Jl. Malioboro", "Jl. Sisingamangaraja", "Jl. Imam Bonjol"}

var roStreets = []string{"Str. Victoriei", "Bd. Unirii", "Calea Dorobanților", "Str. Memorandumului", "Bd. Eroilor",
	"Str. Mihai Eminescu", "Calea Moșilor", "Bd. Revoluției", "Str. Republicii", "Str. Ștefan cel Mare", "Bd. Independenței",
	"Calea Victoriei", "Str. Avram Iancu", "Bd. Tomis", "Str. Lipscani", "Bd. Carol I", "Str. Horea", "Calea Floreasca"}

var countries = map[string]*country{
	"US": {code: "US", lang: "en_US", tz: "America/New_York", weight: 37, tlds: []string{".com", ".com", ".com", ".net", ".io", ".us"},
		cities: []city{
			{name: "New York", state: "NY", zip: "100", zipLen: 5, area: []string{"212", "646", "718"}},
			{name: "Boston", state: "MA", zip: "021", zipLen: 5, area: []string{"617", "857"}},
			{name: "Chicago", state: "IL", zip: "606", zipLen: 5, area: []string{"312", "773"}, tz: "America/Chicago"},
			{name: "San Francisco", state: "CA", zip: "941", zipLen: 5, area: []string{"415", "628"}, tz: "America/Los_Angeles"},
			{name: "Los Angeles", state: "CA", zip: "900", zipLen: 5, area: []string{"213", "310", "323"}, tz: "America/Los_Angeles"},
			{name: "Seattle", state: "WA", zip: "981", zipLen: 5, area: []string{"206"}, tz: "America/Los_Angeles"},
			{name: "Austin", state: "TX", zip: "787", zipLen: 5, area: []string{"512", "737"}, tz: "America/Chicago"},
			{name: "Houston", state: "TX", zip: "770", zipLen: 5, area: []string{"713", "832"}, tz: "America/Chicago"},
			{name: "Denver", state: "CO", zip: "802", zipLen: 5, area: []string{"303", "720"}, tz: "America/Denver"},
			{name: "Atlanta", state: "GA", zip: "303", zipLen: 5, area: []string{"404", "470"}},
			{name: "Miami", state: "FL", zip: "331", zipLen: 5, area: []string{"305", "786"}},
			{name: "Philadelphia", state: "PA", zip: "191", zipLen: 5, area: []string{"215", "267"}},
			{name: "Newark", state: "NJ", zip: "071", zipLen: 5, area: []string{"973", "862"}},
		},
		mobile: func(r *rand.Rand) (string, string) {
			return nanpNumber(r, pick(r, []string{"646", "917", "347", "415", "312", "617"}))
		},
		landline: func(r *rand.Rand, c *city) (string, string) { return nanpNumber(r, pick(r, c.area)) },
		streets:  usStreets,
		street:   func(r *rand.Rand, name string) string { return strconv.Itoa(1+r.IntN(2400)) + " " + name },
		street2: func(r *rand.Rand) string {
			return pick(r, []string{"Suite ", "Floor ", "Unit "}) + strconv.Itoa(100+r.IntN(1900))
		},
	},
	"CA": {code: "CA", lang: "en_US", tz: "America/New_York", weight: 3, tlds: []string{".ca", ".com"},
		cities: []city{
			{name: "Toronto", zip: "M5", zipLen: 0, area: []string{"416", "647"}},
			{name: "Montreal", zip: "H2", zipLen: 0, area: []string{"514"}},
			{name: "Vancouver", zip: "V6", zipLen: 0, area: []string{"604", "778"}, tz: "America/Los_Angeles"},
		},
		mobile:   func(r *rand.Rand) (string, string) { return nanpNumber(r, pick(r, []string{"416", "647", "604"})) },
		landline: func(r *rand.Rand, c *city) (string, string) { return nanpNumber(r, pick(r, c.area)) },
		streets:  []string{"King Street West", "Yonge Street", "Rue Sainte-Catherine", "Granville Street", "Bay Street", "Queen Street East"},
		street:   func(r *rand.Rand, name string) string { return strconv.Itoa(1+r.IntN(900)) + " " + name },
		street2:  func(r *rand.Rand) string { return "Suite " + strconv.Itoa(100+r.IntN(900)) },
	},
	"ID": {code: "ID", lang: "id_ID", tz: "Asia/Jakarta", weight: 28, tlds: []string{".co.id", ".co.id", ".co.id", ".com", ".id"},
		cities: []city{
			{name: "Jakarta Pusat", state: "JK", zip: "10", zipLen: 5, area: []string{"21"}},
			{name: "Jakarta Selatan", state: "JK", zip: "12", zipLen: 5, area: []string{"21"}},
			{name: "Jakarta Barat", state: "JK", zip: "11", zipLen: 5, area: []string{"21"}},
			{name: "Bandung", state: "JB", zip: "40", zipLen: 5, area: []string{"22"}},
			{name: "Bekasi", state: "JB", zip: "17", zipLen: 5, area: []string{"21"}},
			{name: "Tangerang", state: "BT", zip: "15", zipLen: 5, area: []string{"21"}},
			{name: "Surabaya", state: "JI", zip: "60", zipLen: 5, area: []string{"31"}},
			{name: "Semarang", state: "JT", zip: "50", zipLen: 5, area: []string{"24"}},
			{name: "Yogyakarta", state: "YO", zip: "55", zipLen: 5, area: []string{"274"}},
			{name: "Medan", state: "SU", zip: "20", zipLen: 5, area: []string{"61"}},
			{name: "Denpasar", state: "BA", zip: "80", zipLen: 5, area: []string{"361"}, tz: "Asia/Makassar"},
			{name: "Makassar", state: "SN", zip: "90", zipLen: 5, area: []string{"411"}, tz: "Asia/Makassar"},
			{name: "Balikpapan", state: "KI", zip: "76", zipLen: 5, area: []string{"542"}, tz: "Asia/Makassar"},
		},
		mobile:   idMobile,
		landline: idLandline,
		streets:  idStreets,
		street: func(r *rand.Rand, name string) string {
			if r.IntN(4) == 0 {
				return name + " Kav. " + strconv.Itoa(1+r.IntN(90))
			}
			return name + " No. " + strconv.Itoa(1+r.IntN(250))
		},
		street2: func(r *rand.Rand) string {
			if r.IntN(2) == 0 {
				return "Gedung " + pick(r, []string{"Graha", "Menara", "Wisma", "Plaza"}) + " " +
					pick(r, []string{"Mandiri", "Sentral", "Indah", "Utama", "Karya"}) + " Lt. " + strconv.Itoa(1+r.IntN(30))
			}
			return "RT " + pad2(1+r.IntN(12)) + "/RW " + pad2(1+r.IntN(9))
		},
	},
	"SG": {code: "SG", lang: "en_US", tz: "Asia/Singapore", weight: 2, tlds: []string{".com.sg", ".sg", ".com"},
		cities:   []city{{name: "Singapore", zip: "0", zipLen: 6}},
		mobile:   func(r *rand.Rand) (string, string) { return sgNumber(r, sgMobilePrefixes) },
		landline: func(r *rand.Rand, c *city) (string, string) { return sgNumber(r, sgPrefixes) },
		streets:  []string{"Raffles Place", "Orchard Road", "Shenton Way", "Cecil Street", "Robinson Road", "Anson Road"},
		street:   func(r *rand.Rand, name string) string { return strconv.Itoa(1+r.IntN(300)) + " " + name },
		street2:  func(r *rand.Rand) string { return "#" + pad2(2+r.IntN(40)) + "-" + pad2(1+r.IntN(20)) },
	},
	"RO": {code: "RO", lang: "ro_RO", tz: "Europe/Bucharest", weight: 30, tlds: []string{".ro", ".ro", ".ro", ".ro", ".com", ".eu"},
		cities: []city{
			{name: "București", state: "B", zip: "0", zipLen: 6, area: []string{"21", "31"}, registry: 40},
			{name: "București", state: "B", zip: "0", zipLen: 6, area: []string{"21", "31"}, registry: 40},
			{name: "Cluj-Napoca", state: "CJ", zip: "400", zipLen: 6, area: []string{"264"}, registry: 12},
			{name: "Timișoara", state: "TM", zip: "300", zipLen: 6, area: []string{"256"}, registry: 35},
			{name: "Iași", state: "IS", zip: "700", zipLen: 6, area: []string{"232"}, registry: 22},
			{name: "Constanța", state: "CT", zip: "900", zipLen: 6, area: []string{"241"}, registry: 13},
			{name: "Brașov", state: "BV", zip: "500", zipLen: 6, area: []string{"268"}, registry: 8},
			{name: "Craiova", state: "DJ", zip: "200", zipLen: 6, area: []string{"251"}, registry: 16},
			{name: "Sibiu", state: "SB", zip: "550", zipLen: 6, area: []string{"269"}, registry: 32},
			{name: "Oradea", state: "BH", zip: "410", zipLen: 6, area: []string{"259"}, registry: 5},
			{name: "Ploiești", state: "PH", zip: "100", zipLen: 6, area: []string{"244"}, registry: 29},
			{name: "Galați", state: "GL", zip: "800", zipLen: 6, area: []string{"236"}, registry: 17},
			{name: "Arad", state: "AR", zip: "310", zipLen: 6, area: []string{"257"}, registry: 2},
			{name: "Pitești", state: "AG", zip: "110", zipLen: 6, area: []string{"248"}, registry: 3},
		},
		mobile:   roMobile,
		landline: roLandline,
		streets:  roStreets,
		street:   func(r *rand.Rand, name string) string { return name + " nr. " + strconv.Itoa(1+r.IntN(180)) },
		street2: func(r *rand.Rand) string {
			if r.IntN(2) == 0 {
				return "et. " + strconv.Itoa(1+r.IntN(10))
			}
			return "bl. " + string(rune('A'+r.IntN(8))) + strconv.Itoa(1+r.IntN(9)) + ", sc. " + strconv.Itoa(1+r.IntN(4)) +
				", ap. " + strconv.Itoa(1+r.IntN(80))
		},
	},
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// zipCode makes a postal code of the city.
func zipCode(r *rand.Rand, c *city, cc string) string {
	if cc == "CA" { // A1A 1A1
		return c.zip + string(rune('A'+r.IntN(26))) + " " + digits(r, 1) + string(rune('A'+r.IntN(26))) + digits(r, 1)
	}
	if len(c.zip) >= c.zipLen {
		return c.zip
	}
	return c.zip + digits(r, c.zipLen-len(c.zip))
}

var regions = [nRegions]*regionInfo{
	regionNA: {
		team: "North America", lang: "en_US", tz: "America/New_York", utcOffset: -5, stageSet: "shared",
		assignDomain: `[["country_id.code", "in", ["US", "CA"]]]`, color: 1, target: 250000,
		countries: []*country{countries["US"], countries["CA"]},
		first: []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David",
			"Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew",
			"Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily", "Joshua", "Megan", "Kevin", "Rachel",
			"Brian", "Laura", "Ryan", "Nicole", "Jason", "Amanda", "Eric", "Melissa", "Justin", "Rebecca", "Brandon", "Hannah",
			"Tyler", "Olivia", "Aaron", "Grace", "Nathan", "Chloe", "Ethan", "Madison", "Carlos", "Sofia", "Wei", "Priya"},
		last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
			"Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
			"Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
			"Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
			"Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Kelly", "Howard",
			"Chen", "Patel", "Nguyen", "Kim", "O'Brien", "Sullivan", "Bennett", "Brooks", "Foster", "Hughes", "Price"},
		companyWords: []string{"Summit", "Bluewater", "Northwind", "Pinecrest", "Redwood", "Granite", "Harbor", "Liberty", "Keystone",
			"Evergreen", "Silverline", "Ironbridge", "Brightpath", "Clearview", "Oakridge", "Lakeside", "Sterling", "Atlas",
			"Pioneer", "Beacon", "Cascade", "Frontier", "Horizon", "Meridian", "Sapphire", "Trident", "Vanguard", "Westfield",
			"Blue Ridge", "Copperfield", "Crescent", "Eagle", "Falcon", "Golden Gate", "Highland", "Maple", "Patriot", "Riverbend"},
		companyTrades: []string{"Logistics", "Software", "Consulting", "Manufacturing", "Foods", "Energy", "Health", "Systems", "Design",
			"Labs", "Supply", "Solutions", "Analytics", "Construction", "Media", "Partners", "Retail", "Marine", "Robotics", "Capital",
			"Networks", "Furniture", "Medical", "Pharma", "Insurance", "Realty", "Engineering", "Freight", "Apparel", "Electric"},
		companyForms: []string{"Inc.", "Inc.", "LLC", "LLC", "Corp.", "Co.", "Group", ""},
		workPoints:   []string{"Warehouse", "Branch office", "Service center", "Distribution center", "Showroom"},
		functions: []string{"CEO", "CTO", "CFO", "Purchasing Manager", "Office Manager", "IT Director", "Sales Director", "Operations Manager",
			"Procurement Specialist", "Marketing Manager", "HR Manager", "Project Manager", "Facilities Manager", "VP of Sales",
			"Head of Engineering", "Buyer", "Accountant", "Founder"},
		deals: []string{"%d office chairs", "ERP implementation", "Website redesign", "CRM licenses (%d users)", "Annual maintenance contract",
			"Cloud migration", "Sales process consulting", "Training for %d employees", "Warehouse shelving", "Security audit",
			"Fleet tracking devices", "Distributor agreement", "Marketing automation", "Custom software development", "Support renewal",
			"Printer lease", "Conference room AV setup", "Data analytics dashboard", "Mobile app", "Network upgrade", "%d laptops",
			"Standing desks for the new office", "E-commerce integration", "Payroll outsourcing", "Quote for %d monitors"},
		notes: []string{"Called the customer: they want a demo next week.", "Sent the quotation by e-mail.",
			"Meeting with the purchasing manager went well; waiting for the budget approval.", "Left a voicemail, will call back on Monday.",
			"Customer asked for a 10% discount on the yearly plan.", "Demo done, the team liked the reporting part.",
			"Competitor is cheaper; we need to stress the support.", "Sent the case study and the references they asked for.",
			"Legal is reviewing the contract.", "Follow-up call scheduled with the CFO.", "They are comparing three offers.",
			"Visited the site to measure the rooms."},
		campaigns: []campaignSpec{{"Spring fair", "Referral", "Direct"}, {"Newsletter Q3", "Newsletter", "Email"},
			{"Webinar: CRM in 30 minutes", "LinkedIn", "Website"}, {"Black Friday", "Facebook", "Social Media"},
			{"Google Ads - Software", "Search engine", "Google Adwords"}},
		genericMail: []string{"gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"},
	},
	regionID: {
		team: "Jakarta", lang: "id_ID", tz: "Asia/Jakarta", utcOffset: 7, stageSet: "activity",
		assignDomain: `[["country_id.code", "in", ["ID", "SG"]]]`, color: 2, target: 180000,
		countries: []*country{countries["ID"], countries["SG"]},
		first: []string{"Budi", "Siti", "Agus", "Dewi", "Eko", "Sri", "Andi", "Rina", "Hendra", "Putri", "Fajar", "Ratna", "Wahyu", "Nurul",
			"Bambang", "Yuliana", "Rudi", "Indah", "Dedi", "Fitri", "Joko", "Lestari", "Arif", "Maya", "Bayu", "Ayu", "Rizky", "Intan",
			"Teguh", "Wulan", "Hadi", "Kartika", "Irfan", "Novi", "Yusuf", "Anisa", "Dimas", "Citra", "Gilang", "Melati", "Taufik",
			"Sari", "Adi", "Dian", "Reza", "Nadia", "Ilham", "Yanti", "Ahmad", "Larasati"},
		last: []string{"Santoso", "Rahayu", "Wijaya", "Lestari", "Prasetyo", "Wahyuni", "Saputra", "Kusuma", "Gunawan", "Maharani",
			"Nugroho", "Sari", "Hidayat", "Hasanah", "Susilo", "Setiawan", "Purnomo", "Halim", "Siregar", "Nasution", "Simanjuntak",
			"Harahap", "Suryadi", "Hartono", "Tanoto", "Wibowo", "Kurniawan", "Pratama", "Utomo", "Suharto", "Hakim", "Permana",
			"Firmansyah", "Ramadhan", "Anggraini", "Putra", "Syahputra", "Sihombing", "Manurung", "Lubis"},
		singleNames: 0.08,
		companyWords: []string{"Maju", "Jaya", "Sentosa", "Abadi", "Makmur", "Sejahtera", "Mandiri", "Nusantara", "Karya", "Sinar", "Mulia",
			"Cahaya", "Prima", "Bumi", "Indah", "Lestari", "Anugerah", "Berkah", "Gemilang", "Cipta", "Surya", "Mitra", "Tunas",
			"Harapan", "Perkasa", "Persada", "Utama", "Samudra", "Cemerlang", "Sukses", "Bintang", "Mega", "Citra", "Agung"},
		companyTrades: []string{"Teknologi", "Digital", "Solusi", "Logistik", "Pangan", "Niaga", "Energi", "Konstruksi", "Farma", "Tekstil",
			"Informatika", "Ekspres", "Elektronik", "Kreasi", "Medika", "Properti", "Agro", "Otomotif", "Kimia", "Media"},
		companyForms: []string{"PT", "PT", "PT", "PT", "CV", "CV"},
		workPoints:   []string{"Gudang", "Kantor Cabang", "Pabrik", "Pusat Distribusi", "Toko"},
		functions: []string{"Direktur Utama", "Direktur", "Manajer Pembelian", "Kepala IT", "Manajer Operasional", "Staf Pengadaan",
			"Direktur Keuangan", "Manajer Pemasaran", "Manajer HRD", "Manajer Proyek", "Kepala Gudang", "Staf Administrasi", "Pemilik"},
		deals: []string{"Pengadaan %d unit laptop", "Implementasi ERP", "Desain ulang situs web", "Lisensi CRM (%d pengguna)",
			"Kontrak pemeliharaan tahunan", "Migrasi ke cloud", "Pelatihan %d karyawan", "Rak gudang", "Audit keamanan",
			"Perangkat pelacak armada", "Perjanjian distributor", "Aplikasi mobile", "Peningkatan jaringan", "Sewa printer",
			"Pengembangan perangkat lunak", "Konsultasi proses penjualan", "Pengadaan %d kursi kantor", "Sistem kasir (POS)",
			"Integrasi marketplace", "Dasbor analitik"},
		notes: []string{"Sudah menelepon pelanggan, mereka minta demo minggu depan.", "Penawaran harga sudah dikirim lewat email.",
			"Rapat dengan bagian pembelian lancar, menunggu persetujuan anggaran.", "Pelanggan belum bisa dihubungi, coba lagi besok.",
			"Pelanggan minta diskon 10% untuk kontrak tahunan.", "Demo selesai, tim mereka tertarik dengan fitur laporan.",
			"Pesaing menawarkan harga lebih murah.", "Sudah kirim studi kasus dan referensi.", "Kontrak sedang direview bagian legal.",
			"Jadwal kunjungan ke kantor pelanggan hari Kamis.", "Menunggu PO dari pelanggan.", "Follow up lewat WhatsApp."},
		campaigns: []campaignSpec{{"Pameran Jakarta", "Referral", "Direct"}, {"Webinar Transformasi Digital", "LinkedIn", "Website"},
			{"Promo Ramadan", "Facebook", "Social Media"}, {"Newsletter Q3", "Newsletter", "Email"}},
		genericMail: []string{"gmail.com", "gmail.com", "gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com"},
	},
	regionRO: {
		team: "București", lang: "ro_RO", tz: "Europe/Bucharest", utcOffset: 2, stageSet: "default",
		assignDomain: `[["country_id.code", "=", "RO"]]`, color: 3, target: 150000,
		countries: []*country{countries["RO"]},
		first: []string{"Andrei", "Maria", "Ioana", "Alexandru", "Elena", "Mihai", "Cristina", "Gabriel", "Ana", "Bogdan", "Raluca", "Ștefan",
			"Ionuț", "Diana", "Vlad", "Simona", "Florin", "Alina", "Cătălin", "Andreea", "Răzvan", "Oana", "Adrian", "Irina",
			"Mădălina", "Sorin", "Bianca", "Radu", "Roxana", "Cosmin", "Georgiana", "Dragoș", "Larisa", "Tudor", "Teodora",
			"Marius", "Camelia", "Ovidiu", "Iulia", "Lucian", "Anca", "Daniel", "Carmen", "Victor", "Laura", "Costin", "Mirela"},
		last: []string{"Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghe", "Matei", "Constantin", "Marin", "Tudor",
			"Dinu", "Munteanu", "Georgescu", "Radu", "Ene", "Barbu", "Nistor", "Lungu", "Moldovan", "Șerban", "Gheorghiu", "Iordache",
			"Stănescu", "Preda", "Rusu", "Mocanu", "Florea", "Dobre", "Voicu", "Oprea", "Toma", "Mihăilescu", "Neagu", "Cristea",
			"Bălan", "Coman", "Sima", "Zamfir", "Vasile", "Ardeleanu", "Pîrvu", "Țurcanu", "Lazăr", "Suciu"},
		companyWords: []string{"Carpați", "Dacia", "Transilvania", "Dunărea", "Tehno", "Agro", "Euro", "Nova", "Vest", "Nord", "Apex",
			"Arcada", "Siret", "Olt", "Bega", "Mureș", "Banat", "Delta", "Vitis", "Electro", "Info", "Med", "Auto", "Dacoromâna",
			"Bucovina", "Someș", "Crișana", "Ceahlău", "Bucegi", "Fagaraș"},
		companyTrades: []string{"Construct", "Soft", "Trans", "Impex", "Prod", "Com", "Logistic", "Consult", "Grup", "Design", "Expert",
			"Instal", "Serv", "Metal", "Mobila", "Distribuție", "Tehnologii", "Sisteme", "Agricola", "Pharma"},
		companyForms: []string{"SRL", "SRL", "SRL", "SRL", "SA"},
		workPoints:   []string{"Punct de lucru", "Depozit", "Sucursala", "Magazin", "Atelier"},
		functions: []string{"Director general", "Administrator", "Director achiziții", "Manager IT", "Director financiar", "Manager vânzări",
			"Specialist achiziții", "Director operațional", "Contabil șef", "Manager de proiect", "Șef depozit", "Asistent manager"},
		deals: []string{"Ofertă %d scaune de birou", "Implementare ERP", "Reproiectare site web", "Licențe CRM (%d utilizatori)",
			"Contract de mentenanță anual", "Migrare în cloud", "Instruire pentru %d angajați", "Rafturi depozit", "Audit de securitate",
			"Dispozitive GPS pentru flotă", "Contract de distribuție", "Aplicație mobilă", "Modernizare rețea", "Leasing imprimante",
			"Dezvoltare software la comandă", "Consultanță proces de vânzare", "Ofertă %d laptopuri", "Mobilier pentru sala de ședințe",
			"Integrare e-Factura", "Tablou de bord pentru rapoarte"},
		notes: []string{"Am sunat clientul: vor o demonstrație săptămâna viitoare.", "Oferta de preț a fost trimisă pe e-mail.",
			"Întâlnirea cu directorul de achiziții a mers bine; așteptăm aprobarea bugetului.", "Nu răspunde la telefon, revin mâine.",
			"Clientul cere o reducere de 10% la contractul anual.", "Demonstrația a plăcut, îi interesează rapoartele.",
			"Concurența are un preț mai mic; insistăm pe suport.", "Am trimis referințele cerute.", "Contractul este la juridic.",
			"Vizită la sediul clientului joi.", "Așteptăm comanda fermă.", "Am revizuit oferta și am retrimis-o."},
		campaigns: []campaignSpec{{"Târgul de primăvară", "Referral", "Direct"}, {"Newsletter trimestrial", "Newsletter", "Email"},
			{"Campanie LinkedIn", "LinkedIn", "Social Media"}, {"Webinar e-Factura", "Search engine", "Website"}},
		genericMail: []string{"gmail.com", "gmail.com", "yahoo.com", "yahoo.com", "outlook.com", "hotmail.com"},
	},
}

// crmTags are the lead tags, with their colours and how often they are used.
var crmTags = []struct {
	name   string
	color  int64
	weight int
}{{"Software", 1, 20}, {"Consulting", 2, 15}, {"Services", 3, 18}, {"Product", 4, 20}, {"Training", 5, 10}, {"Design", 6, 10}, {"VIP", 9, 7}}

// sourceMix: the lead sources (as installed by crm), how often, and the
// media they come through.
var sourceMix = []struct {
	name   string
	weight int
	media  []string
}{
	{"Search engine", 25, []string{"Website", "Website", "Google Adwords"}},
	{"LinkedIn", 14, []string{"Social Media"}},
	{"Referral", 15, []string{"Direct", "Phone"}},
	{"Newsletter", 10, []string{"Email"}},
	{"Facebook", 8, []string{"Social Media", "Banner"}},
	{"Twitter", 3, []string{"Social Media"}},
	{"Lead Recall", 5, []string{"Phone", "Email"}},
	{"", 20, []string{"Phone", "Email", "Direct", ""}},
}

// fold replaces Romanian letters with ASCII for e-mail addresses and domains.
var fold = strings.NewReplacer("ă", "a", "â", "a", "î", "i", "ș", "s", "ş", "s", "ț", "t", "ţ", "t",
	"Ă", "A", "Â", "A", "Î", "I", "Ș", "S", "Ş", "S", "Ț", "T", "Ţ", "T")

// slug keeps the lower-case ASCII letters and digits of s.
func slug(s string) string {
	s = strings.ToLower(fold.Replace(s))
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// localPart makes the part before the @ of a person's address.
func localPart(r *rand.Rand, first, last string) string {
	f, l := slug(first), slug(last)
	if l == "" {
		return f
	}
	switch r.IntN(6) {
	case 0:
		return f[:1] + l
	case 1:
		return f + l
	case 2:
		return f
	case 3:
		return f + "_" + l
	}
	return f + "." + l
}

// validCUI makes a random Romanian tax code with the right check digit.
func validCUI(r *rand.Rand) string {
	n := 6 + r.IntN(4) // body digits
	body := string(rune('1'+r.IntN(9))) + digits(r, n-1)
	for d := byte('0'); d <= '9'; d++ {
		if c := body + string(d); lookup.ValidCUI(c) {
			return c
		}
	}
	return ""
}
