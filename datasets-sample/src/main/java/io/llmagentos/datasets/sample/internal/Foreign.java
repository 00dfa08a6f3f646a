package io.llmagentos.datasets.sample.internal;

import java.util.List;

/** Real German, French and Spanish maintenance sentences, so a language detector has something to find. */
final class Foreign {
    private Foreign() {
    }

    static final String[] LANGS = {"de", "fr", "es"};

    static final List<Tpl> DE = Tpl.parseAll(
        "Vor Beginn der Wartungsarbeiten an der Anlage {code} den Hauptschalter ausschalten und gegen Wiedereinschalten sichern.",
        "Der Ölstand muss wöchentlich bei stehender Maschine am Schauglas kontrolliert werden.",
        "Das Ölfilterelement wird alle {n:250-2000} Betriebsstunden gewechselt.",
        "Die Schrauben des Lagerdeckels mit {n:20-120} Nm über Kreuz anziehen.",
        "Bei Störung {fc} zuerst die Sicherungen im Schaltschrank prüfen.",
        "Der Techniker hat am {n:1-28}. {month_de} die Keilriemen ersetzt und die Spannung eingestellt.",
        "Die gemessene Schwingung am Lagergehäuse betrug {d:1-9} mm/s und liegt damit im zulässigen Bereich.",
        "Undichtigkeiten an der Wellendichtung sofort melden, weil austretendes Öl die Kupplung beschädigen kann.",
        "Nach dem Austausch der Dichtung die Pumpe {n:10-60} Minuten laufen lassen und auf Leckagen prüfen.",
        "Der Kältemittelkreislauf wurde mit Stickstoff bei {n:20-30} bar auf Dichtheit geprüft.",
        "Die Filtermatten im Lüftungsgerät sind stark verschmutzt und müssen bis Ende der Woche getauscht werden.",
        "Bitte beachten Sie, dass nur das vom Hersteller freigegebene Schmierfett verwendet werden darf.",
        "Die Temperatur des Getriebeöls stieg während des Probelaufs auf {n:55-90} Grad Celsius.",
        "Ersatzteile für die Anlage {code} sollten mindestens vier Wochen vor dem geplanten Stillstand bestellt werden.",
        "Der Frequenzumrichter meldet Überspannung im Zwischenkreis, daher wurde die Bremsrampe verlängert.",
        "Sicherheitsbrille und Schutzhandschuhe sind bei allen Arbeiten am Hydrauliksystem Pflicht.",
        "Die Isolationsmessung ergab mehr als {n:100-900} Megaohm zwischen Wicklung und Erde.",
        "Nach Abschluss der Arbeiten wurde der Wartungszähler zurückgesetzt und der Auftrag geschlossen.");
    static final List<Tpl> FR = Tpl.parseAll(
        "Avant toute intervention sur l'équipement {code}, couper l'alimentation principale et consigner l'installation.",
        "Le niveau d'huile doit être contrôlé chaque semaine, machine à l'arrêt, à l'aide du voyant.",
        "Remplacer la cartouche du filtre à huile toutes les {n:250-2000} heures de fonctionnement.",
        "Serrer les vis du couvercle de palier à {n:20-120} Nm en croix.",
        "En cas de défaut {fc}, vérifier d'abord les fusibles dans l'armoire électrique.",
        "Le technicien a remplacé les courroies le {n:1-28} {month_fr} et réglé la tension.",
        "La vibration mesurée sur le palier était de {d:1-9} mm/s, ce qui reste dans la plage admissible.",
        "Signaler immédiatement toute fuite à la garniture mécanique, car l'huile peut endommager l'accouplement.",
        "Après le remplacement du joint, faire tourner la pompe pendant {n:10-60} minutes et contrôler l'étanchéité.",
        "Le circuit frigorifique a été éprouvé à l'azote sous {n:20-30} bars pendant trente minutes.",
        "Les filtres de la centrale de traitement d'air sont très encrassés et doivent être changés cette semaine.",
        "Utiliser uniquement la graisse homologuée par le constructeur pour les roulements du moteur.",
        "La température de l'huile du réducteur a atteint {n:55-90} degrés pendant l'essai.",
        "Commander les pièces de rechange pour l'installation {code} au moins quatre semaines avant l'arrêt prévu.",
        "Le variateur de fréquence signale une surtension du bus continu, la rampe de décélération a donc été allongée.",
        "Le port des lunettes de protection et des gants est obligatoire pour toute intervention hydraulique.",
        "La mesure d'isolement a donné plus de {n:100-900} mégohms entre l'enroulement et la terre.",
        "Une fois les travaux terminés, le compteur d'entretien a été remis à zéro et l'ordre de travail clôturé.");
    static final List<Tpl> ES = Tpl.parseAll(
        "Antes de cualquier intervención en el equipo {code}, desconecte el interruptor principal y bloquee la alimentación.",
        "El nivel de aceite debe comprobarse cada semana con la máquina parada, mirando el visor.",
        "Sustituya el cartucho del filtro de aceite cada {n:250-2000} horas de funcionamiento.",
        "Apriete los tornillos de la tapa del rodamiento a {n:20-120} Nm en cruz.",
        "Ante la avería {fc}, revise primero los fusibles del armario eléctrico.",
        "El técnico cambió las correas el {n:1-28} de {month_es} y ajustó la tensión.",
        "La vibración medida en el soporte del rodamiento fue de {d:1-9} mm/s, dentro del rango admisible.",
        "Informe de inmediato cualquier fuga en el sello mecánico, porque el aceite puede dañar el acoplamiento.",
        "Después de cambiar la junta, haga funcionar la bomba durante {n:10-60} minutos y compruebe que no hay fugas.",
        "El circuito de refrigerante se probó con nitrógeno a {n:20-30} bar durante treinta minutos.",
        "Los filtros de la unidad de tratamiento de aire están muy sucios y hay que cambiarlos esta semana.",
        "Utilice solamente la grasa aprobada por el fabricante para los rodamientos del motor.",
        "La temperatura del aceite del reductor llegó a {n:55-90} grados durante la prueba.",
        "Pida los repuestos para la instalación {code} al menos cuatro semanas antes de la parada prevista.",
        "El variador de frecuencia indica sobretensión en el bus de continua, por eso se alargó la rampa de frenado.",
        "Las gafas de seguridad y los guantes son obligatorios en cualquier trabajo en el sistema hidráulico.",
        "La medición de aislamiento dio más de {n:100-900} megaohmios entre el devanado y tierra.",
        "Al terminar los trabajos se reinició el contador de mantenimiento y se cerró la orden de trabajo.");
    static final String[] MONTH_DE = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
        "September", "Oktober", "November", "Dezember"};
    static final String[] MONTH_FR = {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre"};
    static final String[] MONTH_ES = {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre"};

    static List<Tpl> pool(String lang) {
        return switch (lang) {
            case "de" -> DE;
            case "fr" -> FR;
            default -> ES;
        };
    }
}
