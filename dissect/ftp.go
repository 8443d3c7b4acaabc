package dissect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// FTP's control connection: the client sends one command per line ("RETR hello"), the
// server answers each with a reply that starts with a three-digit code. A reply may span
// lines: "211-" opens it and a line starting "211 " closes it. Files and listings travel on
// separate data connections, whose address the server gives in its answer to PASV or EPSV
// (or the client gives in PORT or EPRT).

type ftp struct {
	open  string  // the code of the multi-line reply being read, or ""
	reply Message // the multi-line reply being read
}

func newFTP() Dissector { return &byLines{name: "ftp", h: &ftp{}} }

func (f *ftp) line(dir Dir, l line) []Message {
	if l.long {
		if dir == ToClient && f.open != "" {
			return f.add(l, Note{l.off, l.n, "long line", fmt.Sprintf("a line of %d bytes in a multi-line reply", l.n)})
		}
		return []Message{longLine(dir, l, "too long for FTP")}
	}
	if dir == ToServer {
		return []Message{command(l)}
	}
	t := l.text
	isReply := len(t) >= 3 && isDigits(t[:3]) && (len(t) == 3 || t[3] == ' ' || t[3] == '-')
	switch {
	case f.open != "" && isReply && string(t[:3]) == f.open && (len(t) == 3 || t[3] == ' '):
		f.reply.Notes = append(f.reply.Notes, Note{l.off, 3, "reply code", string(t[:3]) + " again, with a space: the last line of the multi-line reply"})
		if len(t) > 4 {
			f.reply.Notes = append(f.reply.Notes, Note{l.off + 4, len(t) - 4, "text", show(t[4:], 60)})
		}
		f.reply.Notes = append(f.reply.Notes, lineNotes(l)...)
		f.reply.Len = l.off + l.n - f.reply.Off
		m := f.reply
		f.open, f.reply = "", Message{}
		return []Message{m}
	case f.open != "":
		detail := "one more line of the reply"
		if len(t) > 0 && t[0] == ' ' && f.open == "211" {
			detail = "a feature the server offers: " + show(t[1:], 40)
		}
		return f.add(l, lineNotes(l, Note{l.off, l.n, "text", detail})...)
	case !isReply:
		return []Message{{Dir: dir, Off: l.off, Len: l.n, Summary: "not a reply: " + show(t, 40),
			Notes: lineNotes(l, Note{l.off, l.n, "not an FTP reply", "every reply line starts with a three-digit code"})}}
	}
	code, _ := strconv.Atoi(string(t[:3]))
	m := Message{Dir: dir, Off: l.off, Len: l.n, Summary: show(t, 60)}
	m.Notes = append(m.Notes, Note{l.off, 3, "reply code", fmt.Sprintf("%d: %s", code, replyMeaning(code))})
	if len(t) > 4 {
		m.Notes = append(m.Notes, Note{l.off + 4, len(t) - 4, "text", show(t[4:], 60) + ": words for people; programs go by the code"})
	}
	m.Notes = append(m.Notes, replyValues(code, l)...)
	m.Notes = lineNotes(l, m.Notes...)
	if len(t) > 3 && t[3] == '-' {
		m.Notes[0].Detail += "; the dash after it opens a multi-line reply, which ends at a line starting " + string(t[:3]) + " and a space"
		f.open, f.reply = string(t[:3]), m
		return nil
	}
	return []Message{m}
}

// add adds notes to the open multi-line reply, and hands out the reply so far when it has
// grown too long to hold.
func (f *ftp) add(l line, notes ...Note) []Message {
	f.reply.Notes = append(f.reply.Notes, notes...)
	f.reply.Len = l.off + l.n - f.reply.Off
	if len(f.reply.Notes) < maxNotes {
		return nil
	}
	m := f.reply
	f.reply = Message{Dir: m.Dir, Off: l.off + l.n, Summary: f.open + " reply, continued"}
	return []Message{m}
}

func (f *ftp) end(dir Dir) []Message {
	if dir != ToClient || f.open == "" {
		return nil
	}
	m := f.reply
	m.Notes = append(m.Notes, Note{m.Off + m.Len, 0, "cut short", "the stream ended before the line that closes the multi-line reply"})
	f.open = ""
	return []Message{m}
}

// command explains one command line from the client.
func command(l line) Message {
	t := string(l.text)
	verb, arg, hasArg := strings.Cut(t, " ")
	m := Message{Dir: ToServer, Off: l.off, Len: l.n, Summary: show(l.text, 60)}
	if verb == "" {
		m.Summary = "empty line"
		m.Notes = lineNotes(l, Note{l.off, l.n, "empty line", "not a command; servers answer 500"})
		return m
	}
	upper := strings.ToUpper(verb)
	about, ok := ftpCommands[upper]
	if !ok {
		about = "a command this dissector does not know"
	}
	m.Notes = append(m.Notes, Note{l.off, len(verb), "command", upper + ": " + about})
	if hasArg {
		aoff := l.off + len(verb) + 1
		m.Notes = append(m.Notes, Note{aoff, len(arg), "argument", show([]byte(arg), 60) + argMeaning(upper, arg)})
		switch upper {
		case "PORT":
			if addr, port, ok := sixNumbers(arg); ok {
				m.Notes = append(m.Notes, Note{aoff, len(arg), LabelDataAddress, addr},
					Note{aoff, len(arg), "active mode", "the client listens at " + addr + " and the server connects to it for the data; " + port})
			}
		case "EPRT":
			if addr, ok := eprt(arg); ok {
				m.Notes = append(m.Notes, Note{aoff, len(arg), LabelDataAddress, addr},
					Note{aoff, len(arg), "active mode", "the client listens at " + addr + " and the server connects to it for the data"})
			}
		}
	}
	m.Notes = lineNotes(l, m.Notes...)
	return m
}

func argMeaning(verb, arg string) string {
	switch verb {
	case "USER":
		return ": the account name (anonymous for a public server)"
	case "PASS":
		return ": the password, readable by anyone who sees the connection"
	case "TYPE":
		switch strings.ToUpper(strings.TrimSpace(arg)) {
		case "A", "A N":
			return ": ASCII, text whose line endings may be changed on the way"
		case "I", "L 8":
			return ": image, bytes sent exactly as they are"
		}
	case "RETR", "STOR", "APPE", "DELE", "SIZE", "MDTM", "RNFR", "RNTO", "STOU":
		return ": the file"
	case "CWD", "MKD", "RMD", "LIST", "NLST", "MLSD":
		return ": the directory"
	}
	return ""
}

// replyValues decodes the values some replies carry: data addresses and paths.
func replyValues(code int, l line) []Note {
	t := string(l.text)
	switch code {
	case 227:
		i, n := findSixNumbers(t)
		if i < 0 {
			return []Note{{l.off, l.n, "no address", "a 227 reply should carry h1,h2,h3,h4,p1,p2; this one does not"}}
		}
		addr, port, _ := sixNumbers(t[i : i+n])
		return []Note{
			{l.off + i, n, LabelDataAddress, addr},
			{l.off + i, n, "passive mode", "the server listens at " + addr + " and the client opens the data connection there: the first four numbers are the address, the last two the port; " + port},
		}
	case 229:
		i := strings.IndexByte(t, '(')
		j := strings.LastIndexByte(t, ')')
		if i < 0 || j < i+5 {
			break
		}
		inner := t[i+1 : j] // |||40123|
		d := inner[0]
		if inner[1] != d || inner[2] != d || inner[len(inner)-1] != d {
			break
		}
		port, err := strconv.Atoi(inner[3 : len(inner)-1])
		if err != nil || port < 1 || port > 65535 {
			break
		}
		addr := ":" + strconv.Itoa(port)
		return []Note{
			{l.off + i, j + 1 - i, LabelDataAddress, addr},
			{l.off + i, j + 1 - i, "passive mode", fmt.Sprintf("the server listens on port %d of the host this control connection goes to, and the client opens the data connection there", port)},
		}
	case 257:
		i := strings.IndexByte(t, '"')
		if i < 0 {
			break
		}
		j := i + 1
		for j < len(t) {
			if t[j] == '"' {
				if j+1 < len(t) && t[j+1] == '"' { // a quote inside the path is doubled
					j += 2
					continue
				}
				return []Note{{l.off + i, j + 1 - i, "directory", strings.ReplaceAll(t[i+1:j], `""`, `"`)}}
			}
			j++
		}
	}
	return nil
}

// findSixNumbers finds h1,h2,h3,h4,p1,p2 in a 227 reply's text and returns where.
func findSixNumbers(t string) (at, n int) {
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' || (i > 0 && t[i-1] >= '0' && t[i-1] <= '9') {
			continue
		}
		j, count := i, 0
		for count < 6 {
			k := j
			for k < len(t) && k-j < 3 && t[k] >= '0' && t[k] <= '9' {
				k++
			}
			if k == j {
				break
			}
			count++
			j = k
			if count < 6 {
				if j >= len(t) || t[j] != ',' {
					break
				}
				j++
			}
		}
		if count == 6 {
			if _, _, ok := sixNumbers(t[i:j]); ok {
				return i, j - i
			}
		}
	}
	return -1, 0
}

// sixNumbers decodes "h1,h2,h3,h4,p1,p2" to an address and says how the port was made.
func sixNumbers(s string) (addr, port string, ok bool) {
	parts := strings.Split(strings.TrimSpace(s), ",")
	if len(parts) != 6 {
		return "", "", false
	}
	var v [6]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return "", "", false
		}
		v[i] = n
	}
	p := v[4]*256 + v[5]
	host := netip.AddrFrom4([4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])})
	return netip.AddrPortFrom(host, uint16(p)).String(), fmt.Sprintf("port %d*256 + %d = %d", v[4], v[5], p), true
}

// eprt decodes EPRT's |proto|address|port|.
func eprt(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 7 {
		return "", false
	}
	parts := strings.Split(s[1:len(s)-1], s[:1])
	if len(parts) != 3 || s[len(s)-1] != s[0] {
		return "", false
	}
	host, err := netip.ParseAddr(parts[1])
	if err != nil {
		return "", false
	}
	port, err := strconv.Atoi(parts[2])
	if err != nil || port < 1 || port > 65535 {
		return "", false
	}
	return netip.AddrPortFrom(host, uint16(port)).String(), true
}

var ftpCommands = map[string]string{
	"USER": "names the account to log in as",
	"PASS": "gives the account's password, as plain text",
	"ACCT": "gives accounting information",
	"CWD":  "changes the working directory",
	"CDUP": "goes up to the parent directory",
	"PWD":  "asks for the working directory",
	"MKD":  "makes a directory",
	"RMD":  "removes a directory",
	"DELE": "deletes a file",
	"RNFR": "names a file to rename; RNTO gives the new name",
	"RNTO": "gives the new name for the file named by RNFR",
	"QUIT": "logs out; the server closes the connection",
	"PASV": "asks the server to listen for a data connection and say where",
	"EPSV": "like PASV, but the server gives only a port, so it works over IPv6 too",
	"PORT": "tells the server where the client listens for a data connection (active mode)",
	"EPRT": "like PORT, for IPv4 or IPv6",
	"TYPE": "chooses how files are sent: A for text, I for exact bytes",
	"MODE": "chooses the transfer mode (S, a plain stream, is the usual one)",
	"STRU": "chooses the file structure (F, a plain file, is the usual one)",
	"RETR": "downloads a file over the data connection",
	"STOR": "uploads a file over the data connection",
	"STOU": "uploads a file under a name the server picks",
	"APPE": "appends to a file over the data connection",
	"REST": "sets the offset where the next transfer starts",
	"ABOR": "aborts the transfer in progress",
	"LIST": "lists a directory, for people, over the data connection",
	"NLST": "lists the names in a directory over the data connection",
	"MLSD": "lists a directory in a form for programs, over the data connection",
	"MLST": "describes one file in a form for programs",
	"SIZE": "asks for a file's size in bytes",
	"MDTM": "asks when a file was last changed",
	"SYST": "asks what system the server runs",
	"STAT": "asks for status, over the control connection",
	"HELP": "asks which commands the server knows",
	"NOOP": "does nothing; keeps the connection alive",
	"FEAT": "asks which extensions the server has",
	"OPTS": "sets an option of a command",
	"SITE": "a command particular to this server",
	"AUTH": "asks to secure the connection (with TLS)",
	"HOST": "names the virtual host to use",
}

var ftpReplies = map[int]string{
	110: "a restart marker",
	120: "ready in a few minutes",
	125: "data connection already open; the transfer starts",
	150: "about to open the data connection; the transfer starts",
	200: "command done",
	202: "command not needed on this server",
	211: "system status, or the list of features",
	212: "directory status",
	213: "file status, such as a size",
	214: "help for people",
	215: "the system type",
	220: "the server greets and is ready for a login",
	221: "goodbye: the server closes the control connection",
	225: "data connection open, nothing being sent",
	226: "transfer complete; the server closes the data connection",
	227: "passive mode: the server says where to open the data connection",
	228: "long passive mode",
	229: "extended passive mode: the server says which port to open the data connection to",
	230: "logged in",
	232: "logged in after a security exchange",
	234: "security exchange accepted",
	250: "file action done",
	257: "a path: the working directory, or the directory made",
	331: "user name accepted; send the password with PASS",
	332: "an account is needed; send ACCT",
	350: "waiting for the next command to finish this one",
	421: "service not available; the server is closing the connection",
	425: "could not open the data connection",
	426: "the data connection closed; transfer aborted",
	430: "wrong user name or password",
	450: "the file is busy or unavailable for now",
	451: "aborted by an error on the server",
	452: "not enough storage space",
	500: "command not understood",
	501: "the command's argument is wrong",
	502: "command not implemented",
	503: "commands in the wrong order (for example PASS before USER)",
	504: "not implemented for this argument",
	530: "not logged in",
	532: "an account is needed to store files",
	550: "no such file or directory, or no permission",
	551: "page type unknown",
	552: "storage allocation exceeded",
	553: "file name not allowed",
}

func replyMeaning(code int) string {
	if s, ok := ftpReplies[code]; ok {
		return s
	}
	switch code / 100 {
	case 1:
		return "a first answer: another reply follows when the action ends"
	case 2:
		return "done"
	case 3:
		return "so far so good: the server waits for another command"
	case 4:
		return "failed this time; trying again later may work"
	case 5:
		return "failed; repeating the same command will fail again"
	}
	return "not a standard reply code"
}
