package dev.tuna.web.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTest {

    @Test
    void controlCharactersAreShownEscapedOnATerminalLine() {
        assertThat(Terminal.printable("line 1\nline 2\tend\r")).isEqualTo("line 1\\nline 2\\tend\\r");
        assertThat(Terminal.printable("\u001b[31mred\u0007")).isEqualTo("\\u001b[31mred\\u0007");
        assertThat(Terminal.printable("caf\u00e9 \uD83D\uDC1F")).isEqualTo("caf\u00e9 \uD83D\uDC1F");
        assertThat(Terminal.printable("a\u202Eb\u2028c")).isEqualTo("a\\u202eb\\u2028c");
    }
}
