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

    @Test
    void wideCharactersTakeTwoColumnsOfATable() {
        assertThat(Terminal.padded("abc", 6)).isEqualTo("abc   ");
        assertThat(Terminal.padded("\u5b66\u4e60\u7387", 8)).isEqualTo("\u5b66\u4e60\u7387  "); // 3 wide: 6 columns
        assertThat(Terminal.padded("\uD83D\uDC1F", 3)).isEqualTo("\uD83D\uDC1F "); // a fish emoji: 2 columns
        assertThat(Terminal.padded("a-much-longer-name", 4)).isEqualTo("a-much-longer-name");
    }
}
