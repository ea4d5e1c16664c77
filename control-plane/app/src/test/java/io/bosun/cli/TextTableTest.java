package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextTableTest {
  @Test
  void alignsColumnsThreeSpacesApartAndColoursAfterPadding() {
    TextTable t = new TextTable("NAME", "STATE").row("a-long-name", "SYNCED").row("b", "");
    assertThat(t.toString()).isEqualTo("NAME          STATE\na-long-name   SYNCED\nb             \n");
    assertThat(t.render(c -> c.equals("SYNCED") ? "<" + c + ">" : c))
        .isEqualTo("NAME          STATE\na-long-name   <SYNCED>\nb             \n");
  }

  @Test
  void rejectsRowsOfTheWrongWidth() {
    assertThatThrownBy(() -> new TextTable("A", "B").row("x")).isInstanceOf(IllegalArgumentException.class);
  }
}
