package lab

import (
	"bytes"
	"encoding/binary"
)

// helloELF returns the bytes of ftp.lab's /home/student/work/hello (symbols true) and
// strip_hello (symbols false): a complete Linux x86-64 executable, built here byte by byte
// rather than shipped as an opaque file, that writes "Hello, world!\n" to standard output
// and exits with status 0.
//
// Both have the same code. hello also carries a symbol table (.symtab and .strtab) naming
// _start and msg, as a linker leaves it; strip_hello keeps only the sections strip(1) keeps,
// so tools report it as stripped and it is a little smaller.
func helloELF(symbols bool) []byte {
	const (
		base    = 0x400000 // where the file is loaded
		ehSize  = 64       // ELF header
		phSize  = 56       // one program header
		codeOff = 128      // the code starts here, 16-byte aligned
		msg     = "Hello, world!\n"
	)
	code := []byte{
		0xb8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1 (write)
		0xbf, 0x01, 0x00, 0x00, 0x00, // mov edi, 1 (standard output)
		0x48, 0x8d, 0x35, 0x10, 0x00, 0x00, 0x00, // lea rsi, [rip+16] (msg)
		0xba, byte(len(msg)), 0x00, 0x00, 0x00, // mov edx, len(msg)
		0x0f, 0x05, // syscall
		0xb8, 0x3c, 0x00, 0x00, 0x00, // mov eax, 60 (exit)
		0x31, 0xff, // xor edi, edi (status 0)
		0x0f, 0x05, // syscall
	}
	text := append(code, msg...) // the lea above points 16 bytes past its own end: msg
	textEnd := codeOff + len(text)

	type section struct {
		name      string
		typ       uint32
		flags     uint64
		addr      uint64
		data      []byte
		link      uint32
		info      uint32
		align     uint64
		entsize   uint64
		offset    int
		nameIndex uint32
	}
	secs := []*section{
		{}, // index 0 is always empty
		{name: ".text", typ: 1, flags: 6, addr: base + codeOff, align: 16},
	}
	if symbols {
		var sym bytes.Buffer
		putSym := func(name uint32, info byte, value, size uint64) {
			binary.Write(&sym, binary.LittleEndian, struct {
				Name  uint32
				Info  byte
				Other byte
				Shndx uint16
				Value uint64
				Size  uint64
			}{name, info, 0, 1, value, size})
		}
		sym.Write(make([]byte, 24))                                       // symbol 0 is empty
		putSym(8, 0x01, base+codeOff+uint64(len(code)), uint64(len(msg))) // msg: local object
		putSym(1, 0x12, base+codeOff, uint64(len(code)))                  // _start: global function
		strtab := []byte("\x00_start\x00msg\x00")                         // _start at 1, msg at 8
		secs = append(secs,
			&section{name: ".symtab", typ: 2, data: sym.Bytes(), link: 3, info: 2, align: 8, entsize: 24},
			&section{name: ".strtab", typ: 3, data: strtab, align: 1},
		)
	}
	shstrtab := &section{name: ".shstrtab", typ: 3, align: 1}
	secs = append(secs, shstrtab)
	names := []byte{0}
	for _, s := range secs[1:] {
		s.nameIndex = uint32(len(names))
		names = append(append(names, s.name...), 0)
	}
	shstrtab.data = names

	// Lay the section data out after the code, each at its alignment.
	off := textEnd
	for _, s := range secs[2:] {
		off = alignUp(off, int(max(s.align, 1)))
		s.offset = off
		off += len(s.data)
	}
	secs[1].offset, secs[1].data = codeOff, text
	shOff := alignUp(off, 8)

	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}) // 64-bit, little-endian, version 1, System V
	binary.Write(&b, le, struct {
		Type, Machine              uint16
		Version                    uint32
		Entry, Phoff, Shoff        uint64
		Flags                      uint32
		Ehsize, Phentsize, Phnum   uint16
		Shentsize, Shnum, Shstrndx uint16
	}{2, 62, 1, base + codeOff, ehSize, uint64(shOff), 0, ehSize, phSize, 1, 64, uint16(len(secs)), uint16(len(secs) - 1)})
	binary.Write(&b, le, struct {
		Type, Flags                         uint32
		Offset, Vaddr, Paddr, Filesz, Memsz uint64
		Align                               uint64
	}{1, 5, 0, base, base, uint64(textEnd), uint64(textEnd), 0x1000}) // load the file up to the end of the code, read and execute
	pad := func(to int) { b.Write(make([]byte, to-b.Len())) }
	for _, s := range secs[1:] {
		pad(s.offset)
		b.Write(s.data)
	}
	pad(shOff)
	for _, s := range secs {
		binary.Write(&b, le, struct {
			Name, Type                uint32
			Flags, Addr, Offset, Size uint64
			Link, Info                uint32
			Addralign, Entsize        uint64
		}{s.nameIndex, s.typ, s.flags, s.addr, uint64(s.offset), uint64(len(s.data)), s.link, s.info, s.align, s.entsize})
	}
	return b.Bytes()
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }
