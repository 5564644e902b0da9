"""Tooltips for the window's buttons and fields, in one place (one voice, UK English, easy to
review). A widget that sets its own tooltip keeps it; otherwise ``apply`` gives it the entry for
its accessible name, or ``"area/accessible name"`` where one name means different things in
different areas. ``tests/test_gui_shell.py`` walks the widget tree and fails on any button or
field left without one: a new control needs a line here (or its own ``setToolTip``).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

TIPS: dict[str, str] = {
    # Partners
    "partners/Pipeline": "Contracts in this partner's places and services that end in 6 to 24 months "
    "and will be tendered again (opens the Pipeline area for the selected partner)",
    "Search partners": "Type part of a name, service, place, charity or company number, or a "
    "CPV code; the list filters as you type (Ctrl+F)",
    "Export to Excel": "Save every partner to an Excel workbook you can edit and import again (Ctrl+E)",
    "This is our organisation": "Tick for your own organisation: the Start page, Fits us and "
    "proposals start from it",
    "Legal form": "How the organisation is constituted, e.g. a charitable incorporated "
    "organisation or a company limited by guarantee",
    "partners/Address": "The registered or main office address",
    "Charity number": "Registered charity number: England and Wales 7 digits, Scotland SC0…, "
    "Northern Ireland NIC…",
    "Company number": "Companies House number, 8 characters (e.g. 01234567 or SC123456)",
    "partners/Name": "The organisation's name as registered",
    "partners/Postcode": "Used to place the organisation on the map of councils",
    "Website": "The organisation's website; opened in your browser only when you click it",
    "Notes": "Anything else worth remembering about this partner (only you see it)",
    "Services description": "What the organisation does, in its own words: matching compares "
    "these words with each tender's",
    "Export the selected person's data": "Save everything held about the selected person to a "
    "file (a subject access request)",
    "Add contact": "Add a person at this partner",
    "Add credential": "Add an accreditation, insurance or policy with its expiry or review date",
    "Add past contract": "Add a contract this partner delivered: buyers look for a track record",
    "Add turnover": "Add a year's income: capacity checks compare it with a tender's value",
    "Choose CPV codes": "Pick the services this partner delivers from the CPV list",
    "Choose areas served": "Pick the councils and regions where this partner works",
    "Discard changes": "Throw away the edits to this partner since it was last saved",
    "Remove CPV code": "Remove the selected service code",
    "Remove area": "Remove the selected area",
    "Remove selected contacts": "Remove the selected people from this partner",
    "Remove selected credentials": "Remove the selected accreditations, insurances or policies",
    "Remove selected past contracts": "Remove the selected contracts",
    "Remove selected turnover": "Remove the selected years",
    "Paid staff": "Number of paid staff (headcount)",
    "Volunteers": "Number of regular volunteers",
    # Tenders
    "Search tenders": 'Words to find: care* finds care, carers…; "young people" is a phrase; '
    "-construction leaves those out (Ctrl+F)",
    "Status": "Which tenders to list by where they stand today",
    "Deadline window": "Only tenders whose deadline falls within this many days",
    "Sort by": "The order of the list",
    "Saved searches": "Run a search you saved; the number in brackets counts what is new since "
    "you last looked",
    "Save this search": "Keep these filters under a name, to see what is new after each import",
    "Place": "A council or region, by name or code (e.g. Camden, TLI): finds tenders for it, its "
    "region and the whole UK",
    "CPV code": "A service code or its first digits (e.g. 853 for social work): covers every code "
    "beneath it",
    "Minimum value": "Lowest contract value, in pounds",
    "Maximum value": "Highest contract value, in pounds",
    "Suits VCSEs": "Only tenders the buyer marked as suitable for voluntary, community and "
    "social enterprises",
    "Suits SMEs": "Only tenders the buyer marked as suitable for small and medium businesses",
    "Reserved": "Only tenders reserved for particular organisations (e.g. public service mutuals)",
    "Match partners to this tender": "Rank every partner against the selected tender and propose "
    "a consortium (in Matches)",
    # Matches
    "Search tenders to match": "Find a tender by words in its title or description (Ctrl+F)",
    "Lot": "The whole tender, or one of its lots",
    "Proposal option": "The best proposal and its alternatives",
    "Propose a consortium": "Find the smallest group of partners that covers every lot, place and "
    "requirement, with the gaps",
    "Save as consortium": "Keep this proposal as a consortium you can edit and bid with",
    "Partner for opportunities": "The partner whose open opportunities are listed",
    "Reset weights": "Put every weight back to its default",
    "Weight of Capacity": "How much the partner's size against the contract value counts",
    "Weight of Eligibility": "How much holding the accreditations, insurances and policies the "
    "notice asks for counts",
    "Weight of Place": "How much working where the tender is delivered counts",
    "Weight of Service fit": "How much the partner's services (codes and words) count",
    "Weight of Suitability": "How much being a VCSE or SME counts where the buyer welcomes them",
    "Consortium model": "How the members contract: a lead provider with subcontractors, a joint "
    "venture, or a new body",
    "Consortium name": "A name for this consortium",
    "Consortium notes": "Notes about this consortium (only you see them)",
    "Partner to add": "A partner to add to this consortium",
    "Add member": "Add the chosen partner as a member",
    "Add partner to consortium": "Add the chosen partner as a member",
    "Delete consortium": "Delete this consortium (its bids keep their copy of the members)",
    "Remove selected members": "Take the selected members out of this consortium",
    "Save consortium": "Save the changes to this consortium",
    # Bids
    "Consortium for a new bid": "The consortium a new bid is made for",
    "Create bid": "Start a bid for the chosen consortium and its tender",
    "Check readiness": "List what is missing: unanswered questions, answers over the limit, and "
    "members' documents out of date on the contract start",
    "Insert suggested answer": "Put the selected library answer into this answer, to adapt it",
    "Save answer": "Save this answer now",
    "Answer": "Your answer to the selected question; the word count follows the limit",
    "Question owner": "The member responsible for answering this question",
    "Question status": "Where this answer stands",
    "Due date": "When this answer is due",
    "Open the documents folder": "Open the folder holding the built documents",
    "Conflicts of interest declaration": "Declare any links between members and the buyer; the "
    "reviewer sees it",
    "Save declaration": "Save the conflicts of interest declaration",
    "Asset to use as a venue": "A building from the locality asset register to deliver from",
    "Venue note": "What happens at this venue, e.g. a weekly drop-in",
    "Add venue": "Add the chosen asset as a venue for this bid",
    # Social value
    "Bid": "The bid whose social value is shown",
    "Member": "The member making this commitment",
    "Measure": "What is committed, from the social value framework, with its value per unit",
    "Quantity per year": "How many units a year (e.g. 4 jobs, 800 volunteering hours)",
    "Years": "For how many years",
    "Deadweight": "The share that would have happened anyway",
    "Displacement": "The share that only moves the benefit from elsewhere",
    "Attribution": "The share owed to others' work",
    "Drop-off from year 2": "How much the effect fades each year after the first",
    "Evidence": "What you will keep to prove delivery, e.g. payroll records",
    "Add commitment": "Add this commitment to the bid",
    "Remove selected": "Remove the selected commitment",
    "Save assumptions": "Save the inputs, discounting choice and weighting",
    "Discount year 1 too": "Discount the first year's value as well as later years (Green Book "
    "practice varies)",
    "Export the calculator workbook": "An Excel workbook where every figure is a live formula the "
    "reviewer can check",
    "Export the social value statement": "A Word statement of the commitments and their value",
    "Period": "The period delivered: a year, a quarter (2027-Q1) or a month (2027-04)",
    "Quantity delivered": "How many units were delivered in the period",
    "Spend in the period": "What delivering it cost in the period, in pounds",
    "People reached": "How many people benefited",
    "Choose evidence files": "Attach files that prove the delivery",
    "Record delivery": "Record what was delivered against the selected commitment",
    # Review
    "Open a bid pack": "Open a signed .cbpack sent by a consortium; it is checked before anything "
    "is shown (or drop it on the window)",
    "Import a review": "Take a signed .cbreview from the housing association back into its bid",
    "New checklist item": "An assurance check of your own to add to the list",
    "Foundation for the new item": "Which of the five foundations the new check belongs under",
    "Add checklist item": "Add your own check to the list",
    "Add comment": "Comment on a section, question, member or document of the bid",
    # Getting tenders and the re-tender pipeline
    "Check for new tenders when Consortium opens": "When ticked, the app asks Find a Tender and "
    "Contracts Finder for new notices each time it opens and the computer is online",
    "Whose places and services": "List the contracts ending in this partner's places and "
    "services (our organisation unless you choose another)",
    "Ending within months": "How far ahead to look: contracts ending between 6 months and this "
    "many months from today",
    "Search the pipeline": "Type part of a title, buyer or incumbent supplier",
    "Export the pipeline to Excel": "Save this list to an Excel workbook",
    "Show the tender": "Open the tender this contract came from in the Tenders area",
    "Open the original notice": "Open the published award or contract notice in your browser",
    # Bids > Bid texts
    "Executive summary": "The opening summary the buyer reads first; starts as a draft built "
    "from the bid's data, and is yours to rewrite",
    "Understanding of the need": "Show the buyer you understand the local need; replace every "
    "[prompt] before the submission copy can be built",
    "Governance and management": "How the consortium is led and run: the lead, decisions, "
    "reporting and how members are held to account",
    "Save the bid texts": "Save these texts now (they also save when you switch bid or build)",
    "Comment text": "What you want the consortium to change or know, about the part chosen in "
    "'Comment on'; Ctrl+Enter adds it, and it travels in the signed review",
    "Remove selected comments": "Remove the selected comments",
    "Decision": "Approve, approve with conditions, or return the bid",
    "Reasons for the decision": "Why, and any conditions: needed unless you approve outright",
    "Sign and save the review": "Save a signed review file to send back to the consortium",
    "Area to show": "Show the assets in a council or region, e.g. Camden or TLI",
    "New asset": "Add a building or space to the locality asset register",
    "Save asset": "Save this asset",
    "Delete asset": "Delete this asset from the register",
    "Export assets to Excel": "Save the asset register to an Excel workbook",
    "review/Name": "The asset's name",
    "Kind": "What sort of asset it is",
    "review/Address": "The asset's address",
    "review/Postcode": "The asset's postcode",
    "Council": "The council the asset lies in",
    "Owner": "Who owns the asset now",
    "Availability": "When it can be used",
    "Capacity (people)": "How many people it holds",
    "Suitable for community ownership": "Could pass to a community organisation (an asset "
    "transfer)",
    "Suitable for delivering services from": "Could be a venue for delivering services",
    "Passed to": "The community organisation that now owns it",
    "On": "The date ownership passed",
}

INPUTS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def needs_tip(widget: QWidget) -> bool:
    """A control a user works, not one of Qt's own parts (clear buttons, scroll arrows…)."""
    if not isinstance(widget, INPUTS) or isinstance(widget, QTextBrowser):
        return False
    if widget.objectName().startswith("qt_"):
        return False
    parent = widget.parentWidget()
    return not isinstance(parent, (QLineEdit, QTabBar, QAbstractSpinBox, QComboBox, QScrollBar))


def apply(root: QWidget, area: str = "") -> int:
    """Give every control under ``root`` that has no tooltip the registered one; returns how
    many were set."""
    done = 0
    for widget in root.findChildren(QWidget):
        if widget.toolTip() or not needs_tip(widget):
            continue
        name = widget.accessibleName()
        tip = TIPS.get(f"{area}/{name}") or TIPS.get(name)
        if tip:
            widget.setToolTip(tip)
            done += 1
    return done
