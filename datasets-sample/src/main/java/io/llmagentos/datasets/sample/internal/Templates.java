package io.llmagentos.datasets.sample.internal;

import java.util.List;

/** The English sentence templates of each document type (see {@link Composer} for the slots). */
final class Templates {
    private Templates() {
    }

    static final List<Tpl> MANUAL_HEAD = Tpl.parseAll(
        "{Fam} {code} Service Manual, Section {n:1-9}.{n:1-12}: {title}.",
        "Section {n:1-9}.{n:1-12} of the {code} manual: {title}.",
        "{title} ({fam} {code}, manual revision {n:2-9}).");
    static final String[] TITLES = {"Replacing the {part}", "Inspecting the {part}", "Lubrication schedule",
        "Commissioning after repair", "Safety before any service work", "Alarm and fault table", "Routine inspection",
        "Removing and refitting the {part}", "Checks after a fault shutdown", "Storage and restart after standstill"};
    static final List<Tpl> MANUAL = Tpl.parseAll(
        "Shut down the {fam} and lock out the main disconnect before you open any cover.",
        "Apply lockout and tagout to every energy source, including stored pressure in the {part}.",
        "Remove the {part} (part number {pn}) and inspect it for wear, cracks or discoloration.",
        "Tighten the fixing bolts of the {part} to {n:12-220} N·m in a cross pattern.",
        "Use only {lube}; the {code} holds about {cap} litres.",
        "The service interval of the {code} is {interval} running hours or one year, whichever comes first.",
        "Record the {reading} before and after the work in the service log.",
        "A typical reading at full load is {reading}.",
        "If the {reading2} is outside the band given in the datasheet, stop and contact service.",
        "Fault code {fc} means {meaning}; see the troubleshooting section for the procedure.",
        "Keep a spare {part} on site, because the lead time is {n:2-14} weeks.",
        "Clean the sealing faces with a lint-free cloth and fit a new gasket every time the {part} is removed.",
        "After refitting, run the {fam} for {n:10-60} minutes and check for leaks and unusual noise.",
        "Wear safety glasses and gloves rated for {lube} while draining.",
        "Dispose of used {lube} according to local regulations for waste oil.",
        "Check the {part2} at the same time; replacing both together saves a second shutdown.",
        "Mark the position of the {part} before removal so that it goes back the same way round.",
        "The torque values in table {n:2-9}-{n:1-9} apply to dry threads; reduce them by {n:10-25} % for lubricated bolts.",
        "Never bypass an interlock on the {code} to speed up a repair.",
        "Verify zero energy with a tested meter before touching any conductor in the control cabinet.",
        "Allow the unit to cool below {n:35-50} °C before you open the {part} housing.",
        "Inspect the {part} every {n:2-12} weeks in dusty or humid surroundings.");
    static final List<Tpl> TROUBLE_HEAD = Tpl.parseAll(
        "Troubleshooting: {Eq} shows fault code {fc} ({meaning}).",
        "Troubleshooting guide for {fc} on the {code}: {meaning}.",
        "Problem: the {fam} {code} stops with {fc}, {meaning}.");
    static final List<Tpl> TROUBLE = Tpl.parseAll(
        "The most frequent causes are {cause} and {cause2}.",
        "In most cases the fault comes from {cause}.",
        "First {check}.",
        "Next, {check2}.",
        "If both checks pass, {remedy}.",
        "The usual fix is to {remedy}.",
        "Note the {reading} at the moment of the trip; the controller keeps the last {n:5-50} events.",
        "Compare the {reading} with the commissioning record.",
        "Do not reset {fc} more than {n:2-3} times without finding the cause.",
        "If the fault returns within {n:1-48} hours, {remedy} and report it to the service desk.",
        "A reading of {reading2} during the trip points to {cause}.",
        "Spare part needed in most cases: {part} ({pn}).",
        "The {part} is the most common wear item on the {code} in this situation.",
        "Allow {n:10-40} minutes for the diagnosis and {n:1-6} hours for the repair.",
        "After the repair, clear {fc} from the alarm history and run a test cycle.",
        "Check also the {part2}, since {cause2} often damages it.");
    static final List<Tpl> TICKET_HEAD = Tpl.parseAll(
        "Support ticket {ticket}.",
        "Ticket #{ticket} ({date}).",
        "Service request {ticket}, priority {n:1-4}.");
    static final List<Tpl> TICKET = Tpl.parseAll(
        "{Cust} reports that the {eq} stops every {n:10-90} minutes with fault code {fc}.",
        "{Cust} called about {fc} ({meaning}) on the {code} at site {site}.",
        "{Tech} on site measured {reading} against a nameplate value of {reading2}.",
        "{Tech} found {cause} after opening the {part} cover.",
        "Replaced the {part} ({pn}) and checked the {part2}.",
        "Action taken: {remedy}.",
        "The unit ran for {n:2-48} hours without a fault after the repair.",
        "Customer informed; ticket closed.",
        "Ticket left open until the new {part} arrives in {n:2-10} working days.",
        "Travel time {n:1-4} h, work time {d:0.5-9.5} h.",
        "The same fault was reported {n:2-5} times this quarter, so a root cause analysis was started.",
        "Recommended that {cust} check the {part} at every shift change.",
        "{Tech} also noticed {cause2} and fixed it.",
        "Reading after repair: {reading}.",
        "Remote diagnosis was not possible, so {tech} travelled to {site}.",
        "The warranty covers the {part}; the labour is charged under contract {n:100-999}-{n:10-99}.");
    static final List<Tpl> FAQ_HEAD = Tpl.parseAll(
        "FAQ: How often should the {part} of the {fam} be replaced?",
        "FAQ: What does fault code {fc} on the {code} mean?",
        "FAQ: Which oil does the {code} need?",
        "FAQ: Why does the {fam} show {fc} after a restart?",
        "FAQ: Can I run the {code} with a worn {part}?");
    static final List<Tpl> FAQ = Tpl.parseAll(
        "Replace the {part} at every {interval}-hour service, or earlier if the {reading} shows it is worn.",
        "Fault code {fc} stands for {meaning}.",
        "The {code} is filled with about {cap} litres of {lube}.",
        "Only use {lube} or an oil approved in writing by the manufacturer.",
        "After a restart, {fc} usually means that {cause} was not removed.",
        "Running with a worn {part} shortens the life of the {part2} considerably.",
        "Order the service kit {pn} at least {n:2-6} weeks before the planned service.",
        "The amber LED on the {code} panel shows a warning; a red LED shows an alarm such as {fc}.",
        "Reset the service counter in menu {n:2-9} after every service, otherwise the display keeps asking for it.",
        "If in doubt, {check}.",
        "Most sites schedule the work together with the {interval}-hour service of the {fam}.",
        "Write down the {reading} every week so that slow changes become visible.");
    static final List<Tpl> LOG_HEAD = Tpl.parseAll(
        "Maintenance log, {eq}, site {site}.",
        "Work order {ticket}: {eq} at {site}.",
        "CMMS export, asset {code} ({fam}), location {site}.");
    static final List<Tpl> LOG = Tpl.parseAll(
        "{date}: {interval}-hour service completed.",
        "{date}: replaced the {part} ({pn}).",
        "Changed the {lube}, {cap} litres.",
        "Reading: {reading}.",
        "Measured {reading} and {reading2}.",
        "Checked the {part} and the {part2}; both within limits.",
        "No leaks found.",
        "Alarm history shows {fc} twice since the last visit.",
        "Cleaned the {part} housing and the cooling air path.",
        "Next service due at {n:2-40},000 hours.",
        "{date}: inspection after {fc} ({meaning}); found {cause}.",
        "Hour meter {n:1000-60000} h.",
        "Greased the bearings with {n:2-6} strokes of grease.",
        "Test run {n:15-120} minutes at {n:50-100} % load, no abnormal noise.");
    static final List<Tpl> PII = Tpl.parseAll(
        "Contact on site: {email}, phone {phone}.",
        "Please call back on {phone} or write to {email}.",
        "Remote access to the controller goes through the VPN gateway {ipv4}.",
        "The HMI panel has the address {ipv4}; the controller answers on {ipv4}.",
        "Management interface of the gateway: {ipv6}.",
        "Parts were paid with card {cc}, expiry {mm}/{n:26-31}.",
        "Please refund the deposit to IBAN {iban}.",
        "Invoice questions to {email} or {phone}.",
        "Site contact {name} can be reached on {phone}.");
    static final List<Tpl> SIGNATURE = Tpl.parseAll(
        "Best regards,\n{name}\nField Service Engineer\n{phone}",
        "Kind regards,\n{name}\n{email}",
        "Thanks,\n{name}\nMaintenance Planner, {site}",
        "--\n{name} | Service Desk | {phone}");
    static final String[] SITES = {"Riverside Pumping Station", "North Plant Hall 2", "Harbour Cold Store",
        "Linz Works", "Building B", "Packaging Line 4", "Water Treatment Works East", "Central Boiler House",
        "Distribution Centre West", "Mine Shaft 3", "Brewery Cellar 1", "Paper Mill PM2", "Airport Terminal 2",
        "Hospital Energy Centre", "Data Centre DC-5", "Foundry Bay 7"};
    static final String[] TECH = {"the technician", "the field engineer", "our service engineer", "the on-call technician",
        "the contractor"};
    static final String[] CUST = {"the customer", "the plant operator", "the maintenance planner", "the shift supervisor",
        "the site manager"};
    static final String[] BOILER_NAV = {"<div class=\"nav\">Home | Products | Support</div>",
        "<div class=\"nav\">Home | Products | Service | Spare Parts | Contact</div>",
        "<nav><a href=\"/\">Home</a> | <a href=\"/support\">Support</a> | <a href=\"/kb\">Knowledge Base</a></nav>",
        "Skip to main content\nHome > Support > Knowledge Base"};
    static final String[] BOILER_COOKIE = {
        "<div class=\"cookie-banner\">We use cookies to improve your experience. By continuing to browse you accept our cookie policy. [Accept all] [Settings]</div>",
        "This website uses cookies. Accept | Decline | More information",
        "We value your privacy. We and our partners use cookies to personalise content and analyse traffic. [I agree]"};
    static final String[] BOILER_FOOTER = {
        "<footer>© 2025 Northwind Industrial Services GmbH · Imprint · Privacy Policy · Terms of Use</footer>",
        "Copyright 2024 Delta Field Service Ltd. All rights reserved. | Privacy | Cookies | Sitemap",
        "Was this article helpful? Yes / No\nShare: LinkedIn | X | Email",
        "<div class=\"footer\">Support hotline Mon–Fri 8:00–17:00 | Downloads | Careers | Contact us</div>"};
    static final String[] SPAM_LINES = {"BUY GENUINE SPARE PARTS NOW - BEST PRICES - FREE SHIPPING!!!",
        "WARN sensor timeout on channel 3, retrying",
        "Click here to download the complete service manual PDF",
        "ERROR 0x1F communication lost",
        "*** AUTO-GENERATED MESSAGE - DO NOT REPLY ***",
        "Subscribe to our newsletter for maintenance tips"};
}
