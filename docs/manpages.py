#!/usr/bin/env python3
"""manpages.py XMLDIR MAN3DIR VERSION - one man page per public function.

Doxygen's own man output has one page for the whole header (dlnet.h.3); its
per-function "pages" are one-line links to it. This writes, for every
function of Doxygen's XML output of include/dlnet.h, a real section-3 page
MAN3DIR/<function>.3 from that function's doc block: NAME (the brief),
SYNOPSIS (the declaration), DESCRIPTION, PARAMETERS, RETURN VALUE and
SEE ALSO (the functions and types the block refers to, and dlnet.h(3)).
Standard library only (xml.etree), so the Debian python3 suffices.
"""
import os
import sys
import xml.etree.ElementTree as ET

# Block-level elements of a Doxygen description, rendered on lines of their own.
BLOCKS = {"parameterlist", "simplesect", "itemizedlist", "orderedlist",
          "programlisting", "verbatim"}


def esc(text):
    """troff-escape running text: backslashes, and a leading dot or quote."""
    return text.replace("\\", "\\e")


def line_safe(line):
    """A line that troff must not read as a request."""
    return "\\&" + line if line.startswith((".", "'")) else line


class Page:
    """Renders one function's description; collects its cross references."""

    def __init__(self, name, functions, types):
        self.name = name
        self.functions = functions
        self.types = types
        self.see = []

    def inline(self, el):
        """Text of an element with inline markup as troff font changes."""
        out = [esc(el.text or "")]
        for child in el:
            if child.tag in BLOCKS:
                break
            out.append(self.inline_child(child))
            out.append(esc(child.tail or ""))
        return "".join(out)

    def inline_child(self, child):
        body = self.inline(child)
        if child.tag == "ref":
            target = body.rstrip("()")
            if target != self.name and (target in self.functions or target in self.types) \
                    and target not in self.see:
                self.see.append(target)
            return "\\fB" + body + "\\fR"
        if child.tag in ("computeroutput", "bold"):
            return "\\fB" + body + "\\fR"
        if child.tag == "emphasis":
            return "\\fI" + body + "\\fR"
        if child.tag == "sp":
            return " "
        return body

    def paragraph(self, para, out, sections):
        """Append the lines of one <para>; its block children go where they belong."""
        text = [esc(para.text or "")]

        def flush():
            words = " ".join("".join(text).split())
            if words:
                out.append(".PP")
                out.append(line_safe(words))
            text.clear()

        for child in para:
            if child.tag in BLOCKS:
                flush()
                self.block(child, out, sections)
            else:
                text.append(self.inline_child(child))
            text.append(esc(child.tail or ""))
        flush()

    def block(self, el, out, sections):
        if el.tag == "parameterlist":
            for item in el.findall("parameteritem"):
                names = ", ".join(n.text or "" for n in item.iter("parametername"))
                desc = []
                for p in item.find("parameterdescription").findall("para"):
                    self.paragraph(p, desc, sections)
                sections["PARAMETERS"] += [".TP", "\\fI" + esc(names) + "\\fR"] + \
                    [l for l in desc if l != ".PP"]
        elif el.tag == "simplesect":
            kind = el.get("kind")
            body = []
            for p in el.findall("para"):
                self.paragraph(p, body, sections)
            if kind == "return":
                sections["RETURN VALUE"] += body
            else:
                out += [".PP", "\\fB" + kind.capitalize() + ":\\fR"] + body
        elif el.tag in ("itemizedlist", "orderedlist"):
            for i, item in enumerate(el.findall("listitem"), 1):
                mark = "\\(bu" if el.tag == "itemizedlist" else "%d." % i
                body = []
                for p in item.findall("para"):
                    self.paragraph(p, body, sections)
                out += [".IP " + mark + " 4"] + [l for l in body if l != ".PP"]
        else:  # programlisting, verbatim: preformatted
            if el.tag == "programlisting":
                lines = [self.inline(cl) for cl in el.findall("codeline")]
            else:
                lines = [esc(l) for l in (el.text or "").strip("\n").split("\n")]
            out += [".PP", ".nf", ".RS 4"] + [line_safe(l) for l in lines] + [".RE", ".fi"]

    def description(self, member):
        out = []
        sections = {"PARAMETERS": [], "RETURN VALUE": []}
        for para in member.find("detaileddescription").findall("para"):
            self.paragraph(para, out, sections)
        return out, sections


def declaration(member):
    """The prototype as in the header, one parameter per line."""
    ret = "".join(member.find("type").itertext()).strip()
    params = []
    for p in member.findall("param"):
        ptype = "".join(p.find("type").itertext()).strip()
        pname = p.findtext("declname") or ""
        sep = "" if ptype.endswith("*") or not pname else " "
        params.append(ptype + sep + pname)
    name = member.findtext("name")
    head = ret + ("" if ret.endswith("*") else " ") + name + "("
    if len(params) <= 1:
        return [head + (params[0] if params else "void") + ");"]
    lines = [head + params[0] + ","]
    lines += [" " * len(head) + p + "," for p in params[1:-1]]
    lines.append(" " * len(head) + params[-1] + ");")
    return lines


def write_page(member, group, functions, types, man3, version):
    name = member.findtext("name")
    page = Page(name, functions, types)
    brief = " ".join(page.inline(member.find("briefdescription/para")).split()) \
        if member.find("briefdescription/para") is not None else ""
    body, sections = page.description(member)
    lines = [
        '.TH "%s" 3 "" "libdlnet %s" "libdlnet API"' % (name, version),
        ".SH NAME",
        "%s \\- %s" % (name, brief.rstrip(".") if brief else "libdlnet function"),
        ".SH LIBRARY",
        "libdlnet (\\fB\\-ldlnet\\fR; \\fBpkg\\-config \\-\\-libs dlnet\\fR)",
        ".SH SYNOPSIS",
        ".nf",
        "\\fB#include <dlnet.h>\\fR",
        ".PP",
    ] + ["\\fB" + line_safe(esc(l)) + "\\fR" for l in declaration(member)] + [
        ".fi",
        ".SH DESCRIPTION",
    ]
    if brief:
        lines += [".PP", line_safe(brief)]
    lines += body
    if group:
        lines += [".PP", "Part of the \\fI%s\\fR functions of dlnet.h(3)." % esc(group)]
    for title in ("PARAMETERS", "RETURN VALUE"):
        if sections[title]:
            lines += [".SH " + title] + sections[title]
    lines += [".SH SEE ALSO",
              ", ".join("\\fB%s\\fR(3)" % s for s in page.see + ["dlnet.h"])]
    path = os.path.join(man3, name + ".3")
    if os.path.lexists(path):  # Doxygen's one-line link to dlnet.h.3
        os.remove(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(xmldir, man3, version):
    root = ET.parse(os.path.join(xmldir, "dlnet_8h.xml")).getroot()
    members = [(sec.findtext("header") or "", m)
               for sec in root.iter("sectiondef") for m in sec.findall("memberdef")]
    functions = {m.findtext("name") for _, m in members if m.get("kind") == "function"}
    types = {m.findtext("name") for _, m in members if m.get("kind") in ("typedef", "enum")}
    count = 0
    for group, m in members:
        if m.get("kind") == "function":
            write_page(m, group.strip(), functions, types, man3, version)
            count += 1
    print("manpages: %d function pages in %s" % (count, man3))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.splitlines()[0])
    main(*sys.argv[1:])
