"""A new topic as an editor would write it in the studio (CONTENT.md "Add a new topic"): whether
neutropenia spreads to other people, with as many example and test questions as the content checks
ask for, in English and Spanish. Shared by the writer's, the drafts' and the browser tests."""

TOPIC = "basics"
INTENT = "ask_contagious"
RESPONSE = "utter_contagious"
TITLE = "Is it contagious?"
QUESTION = "Is neutropenia contagious?"
ENGLISH = (
    "Neutropenia itself does not spread from one person to another. It means the blood has too few "
    "neutrophils, a type of white blood cell. The infections a child with neutropenia can get are "
    "what needs care.\nSource: Connecticut Children's (KidsHealth)"
)
SPANISH = (
    "La neutropenia no se pasa de una persona a otra. Quiere decir que la sangre tiene pocos "
    "neutrófilos, un tipo de glóbulo blanco. Lo que hay que cuidar son las infecciones que puede "
    "tener el niño.\nFuente: Connecticut Children's (KidsHealth)"
)
SOURCE = "connecticut_childrens"
EXAMPLES_EN = [
    "is neutropenia contagious",
    "can my other kids catch neutropenia from her",
    "is it catching",
    "can neutropenia spread to my baby",
    "will his brother get it if they share a room",
    "can you catch neutropenia from someone",
    "is neutropenia infectious",
    "do i need to keep her away from her sister so she doesnt give it to her",
    "can grandma catch this from my son",
    "is low neutrophils something you can pass to others",
    "can kids at school get neutropenia from my daughter",
    "is my son contagious because of his neutropenia",
    "can i get neutropenia by hugging my child",
    "does neutropenia pass between siblings",
    "is this condition contagious to other children",
    "can neutropenia be transmitted",
    "can her cousins catch it",
    "is neutropenia spread by touch",
    "can the baby get it from breastfeeding from me",
    "is neutropenia a contagious disease",
    "should other kids stay away so they dont catch neutropenia",
    "can a classmate get neutropenia from him",
    "is it safe for his friends, they wont catch it right",
    "can neutropenia be passed on like a cold",
    "my neighbor asked if her kids can catch neutropenia from mine",
    "is neutropenia something people catch",
]
HELD_OUT_EN = [
    "could my twins pass neutropenia to each other",
    "do we have to worry about the other children catching it",
    "can neutropenia go from one kid to another",
    "will the daycare kids get neutropenia too",
    "is there a risk my husband catches it",
    "can someone get neutropenia just by being around my son",
    "is it possible to catch low white cells from another person",
    "my mom is scared she will catch it from the baby",
    "is neutropenia spreadable",
    "can playing together give neutropenia to his friend",
]
EXAMPLES_ES = [
    "¿la neutropenia es contagiosa?",
    "¿mis otros hijos se pueden contagiar de neutropenia?",
    "¿se pega la neutropenia?",
    "¿la abuela se puede contagiar?",
    "¿un niño le puede pasar la neutropenia a su amigo?",
    "¿es contagioso tener los neutrófilos bajos?",
    "¿sus compañeros de clase se pueden contagiar?",
    "¿tengo que separar a los hermanos para que no se contagien?",
    "¿la neutropenia se le transmite a otra persona?",
    "¿se contagia la neutropenia al abrazar?",
]
HELD_OUT_ES = [
    "¿mi otra hija puede agarrar la neutropenia?",
    "¿puede contagiar a su hermano?",
    "¿es una enfermedad que se contagia?",
    "¿los primos se pueden enfermar de neutropenia por jugar con ella?",
    "¿se puede pasar la neutropenia a otra persona?",
    "¿hay riesgo de que mi esposo se contagie?",
    "¿la neutropenia es infecciosa?",
    "¿los niños de la guardería pueden contagiarse?",
    "¿se pega por estar cerca de él?",
    "¿puedo contagiarme yo de mi bebé?",
]
